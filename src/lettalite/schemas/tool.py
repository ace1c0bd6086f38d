"""Tools on the wire."""

from typing import Any

from pydantic import Field

from lettalite.schemas.common import WireModel


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
