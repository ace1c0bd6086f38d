"""Tools on the wire."""

from typing import Any, Literal

from pydantic import ConfigDict, Field

from lettalite.schemas.common import MAX_ITEMS, MAX_TAGS, EnvName, RequestModel, Tag, WireModel

DEFAULT_RETURN_CHAR_LIMIT = 50000


class Tool(WireModel):
    id: str
    name: str
    tool_type: str
    description: str | None
    json_schema: dict[str, Any]
    args_json_schema: dict[str, Any] | None = None
    source_type: str = "python"
    source_code: str | None = None
    tags: list[str]
    return_char_limit: int
    default_requires_approval: bool | None = None
    enable_parallel_execution: bool = False
    pip_requirements: list[Any] | None = None
    npm_requirements: list[Any] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict, serialization_alias="metadata_")
    created_by_id: str | None = None
    last_updated_by_id: str | None = None


MAX_SOURCE_CHARS = 1_000_000
MAX_RETURN_CHAR_LIMIT = 1_000_000
ToolSourceType = Literal["python", "typescript", "json"]


class Requirement(RequestModel):
    """A package a tool needs: `{"name": "requests", "version": "2.32.3"}`."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-\[\],]*$")
    version: str | None = Field(None, max_length=255, pattern=r"^[A-Za-z0-9.*+!<>=~,\- ]*$")


class ToolSchemaInputs(RequestModel):
    """What a tool is made of, in create, upsert, update and run-from-source requests."""

    source_code: str | None = Field(None, max_length=MAX_SOURCE_CHARS)
    source_type: ToolSourceType | None = None
    json_schema: dict[str, Any] | None = None
    args_json_schema: dict[str, Any] | None = None
    pip_requirements: list[Requirement] | None = Field(None, max_length=MAX_ITEMS)
    npm_requirements: list[Requirement] | None = Field(None, max_length=MAX_ITEMS)


class ToolCreate(ToolSchemaInputs):
    """`POST /v1/tools/` and `PUT /v1/tools/`: both upsert by the function's name."""

    model_config = ConfigDict(extra="forbid")

    source_code: str = Field(max_length=MAX_SOURCE_CHARS)
    description: str | None = None
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    return_char_limit: int = Field(DEFAULT_RETURN_CHAR_LIMIT, ge=1, le=MAX_RETURN_CHAR_LIMIT)
    default_requires_approval: bool | None = None
    enable_parallel_execution: bool | None = None


class ToolUpdate(ToolSchemaInputs):
    """`PATCH /v1/tools/{id}`: every field optional (null: unchanged); unknown keys ignored."""

    description: str | None = None
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    return_char_limit: int | None = Field(None, ge=1, le=MAX_RETURN_CHAR_LIMIT)
    default_requires_approval: bool | None = None
    enable_parallel_execution: bool | None = None
    metadata: dict[str, Any] | None = Field(None, validation_alias="metadata_")


class ToolRunFromSource(ToolSchemaInputs):
    """`POST /v1/tools/run`: run source once, store nothing."""

    model_config = ConfigDict(extra="forbid")

    source_code: str = Field(max_length=MAX_SOURCE_CHARS)
    args: dict[str, Any]
    env_vars: dict[EnvName, str] | None = None
    name: str | None = Field(None, max_length=255)


class ToolRunForAgent(RequestModel):
    """`POST /v1/agents/{id}/tools/{name}/run`."""

    args: dict[str, Any] = Field(default_factory=dict)


class ToolExecutionResult(WireModel):
    status: Literal["success", "error"]
    func_return: Any = None
    agent_state: None = None  # deprecated in Letta; always null
    stdout: list[str] | None = None
    stderr: list[str] | None = None
    sandbox_config_fingerprint: str | None = None


class ToolSearchRequest(RequestModel):
    """`POST /v1/tools/search`. lettalite keeps no tool embeddings: every mode ranks by the
    full-text match of the query over names, descriptions and tags."""

    model_config = ConfigDict(extra="forbid")

    query: str | None = Field(None, max_length=1000)
    search_mode: Literal["vector", "fts", "hybrid"] = "hybrid"
    tool_types: list[str] | None = Field(None, max_length=MAX_ITEMS)
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)  # any of them
    limit: int = Field(50, ge=1, le=100)


class ToolSearchResult(WireModel):
    tool: Tool
    embedded_text: str | None = None
    fts_rank: int | None  # 1 for the best full-text match
    vector_rank: int | None = None
    combined_score: float
