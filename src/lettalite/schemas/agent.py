"""Agents on the wire: create/update requests and `AgentState`."""

from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from lettalite.schemas.block import Block, CreateBlock
from lettalite.schemas.common import (
    MAX_BLOCKS,
    MAX_ITEMS,
    MAX_TAGS,
    MAX_TOOLS,
    EnvName,
    RequestModel,
    ResourceTime,
    Tag,
    WireModel,
)
from lettalite.schemas.identity import Identity, IdentityIdItem
from lettalite.schemas.message import ApprovalRequestMessage
from lettalite.schemas.model import EmbeddingConfig, LLMConfig
from lettalite.schemas.model_settings import ModelSettings
from lettalite.schemas.tool import Tool
from lettalite.schemas.tool_rule import ResponseFormat, ToolRule

# lettalite runs one loop: Letta's v1 semantics (assistant text ends the turn). The schema
# declares only that type; Letta's others are refused by name.
SupportedAgentType = Literal["letta_v1_agent"]
MAX_CONTEXT_WINDOW = 2_000_000
# Column widths: longer values would be cut or refused by PostgreSQL.


class LLMConfigInput(RequestModel):
    """The parts of a client-sent `llm_config` that lettalite honours."""

    model: str | None = None
    handle: str | None = None
    model_endpoint_type: str | None = None
    context_window: int | None = Field(None, ge=1, le=MAX_CONTEXT_WINDOW)
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, ge=1, le=MAX_CONTEXT_WINDOW)


class EmbeddingConfigInput(RequestModel):
    """The parts of a client-sent `embedding_config` that lettalite honours."""

    handle: str | None = None
    embedding_model: str | None = None
    embedding_endpoint_type: str | None = None

    def requested_handle(self) -> str | None:
        """The handle, else `<endpoint type>/<model>` (OpenAI when no type is given)."""
        if self.handle is None and self.embedding_model:
            return f"{self.embedding_endpoint_type or 'openai'}/{self.embedding_model}"
        return self.handle


MAX_SECRETS = 256


class AgentFields(RequestModel):
    name: str | None = Field(None, min_length=1, max_length=255)
    description: str | None = None
    system: str | None = None
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    identity_ids: list[IdentityIdItem] | None = Field(None, max_length=MAX_ITEMS)
    metadata: dict[str, Any] | None = None
    model: str | None = None
    embedding: str | None = None
    llm_config: LLMConfigInput | None = None
    embedding_config: EmbeddingConfigInput | None = None
    model_settings: ModelSettings | None = None
    context_window_limit: int | None = Field(None, ge=1, le=MAX_CONTEXT_WINDOW)
    max_tokens: int | None = Field(None, ge=1, le=MAX_CONTEXT_WINDOW)
    timezone: str | None = Field(None, max_length=64)
    tool_rules: list[ToolRule] | None = Field(None, max_length=MAX_ITEMS)
    # Asked of the model on every call; null on update clears it.
    response_format: ResponseFormat | None = None
    # Environment variables for the agent's tools (older clients call them
    # tool_exec_environment_variables).
    secrets: dict[EnvName, str] | None = Field(
        None,
        max_length=MAX_SECRETS,
        validation_alias=AliasChoices("secrets", "tool_exec_environment_variables"),
    )


class CreateAgent(AgentFields):
    agent_type: SupportedAgentType = "letta_v1_agent"
    memory_blocks: list[CreateBlock] | None = Field(None, max_length=MAX_BLOCKS)
    block_ids: list[str] | None = Field(None, max_length=MAX_BLOCKS)
    tools: list[str] | None = Field(None, max_length=MAX_TOOLS)
    tool_ids: list[str] | None = Field(None, max_length=MAX_TOOLS)
    include_base_tools: bool = True
    # Letta's base rules for listed base tools (send_message ends the turn); by default only
    # when include_base_tools is off, as Letta does for letta_v1_agent.
    include_base_tool_rules: bool | None = None

    @field_validator("agent_type", mode="before")
    @classmethod
    def _supported(cls, value: Any) -> Any:
        if isinstance(value, str) and value != "letta_v1_agent":
            raise ValueError(
                f"agent_type {value!r} is not supported; lettalite runs letta_v1_agent"
            )
        return value


class UpdateAgent(AgentFields):
    block_ids: list[str] | None = Field(None, max_length=MAX_BLOCKS)
    tool_ids: list[str] | None = Field(None, max_length=MAX_TOOLS)


class AgentSecret(WireModel):
    """One of an agent's secrets (Letta's `AgentEnvironmentVariable`)."""

    id: str
    key: str
    value: str
    agent_id: str
    description: str | None = None


class AgentRepositories(WireModel):
    """Git repositories attached to an agent: a Letta Cloud feature, always empty here."""

    repositories: list[dict[str, Any]]


class ModifyApproval(RequestModel):
    # The TypeScript SDK 1.12.1 sends its parameter's own name, `body_requires_approval`.
    requires_approval: bool | None = Field(
        None, validation_alias=AliasChoices("requires_approval", "body_requires_approval")
    )


class Memory(WireModel):
    agent_type: str
    git_enabled: bool = False
    blocks: list[Block]
    file_blocks: list[Any] = []
    prompt_template: str = ""


class AgentState(WireModel):
    id: str
    name: str
    agent_type: str
    description: str | None
    system: str
    model: str
    embedding: str | None
    llm_config: LLMConfig
    embedding_config: EmbeddingConfig
    model_settings: dict[str, Any] | None = None
    memory: Memory
    blocks: list[Block]
    tools: list[Tool]
    sources: list[Any] = []
    tags: list[str]
    metadata: dict[str, Any] | None
    message_ids: list[str]
    tool_rules: list[ToolRule] = []
    response_format: ResponseFormat | None = None
    timezone: str
    created_at: ResourceTime
    updated_at: ResourceTime
    last_stop_reason: str | None = None
    last_run_completion: ResourceTime | None = None
    message_buffer_autoclear: bool = False
    hidden: bool | None = None
    project_id: str | None = None
    template_id: str | None = None
    base_template_id: str | None = None
    deployment_id: str | None = None
    identity_ids: list[str] = []
    identities: list[Identity] = []
    secrets: list[AgentSecret] = []
    tool_exec_environment_variables: list[AgentSecret] = []
    pending_approval: ApprovalRequestMessage | None = None
    created_by_id: str | None = None
    last_updated_by_id: str | None = None


class DeletedResponse(WireModel):
    message: str
