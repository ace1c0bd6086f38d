"""Memory blocks on the wire."""

from typing import Any

from pydantic import Field, field_validator

from lettalite.schemas.common import MAX_TAGS, RequestModel, WireModel
from lettalite.tools.blocks import DEFAULT_BLOCK_LIMIT, LABEL_PATTERN

MAX_BLOCK_LIMIT = 10_000_000


def _strip_nul(value: Any) -> Any:
    # Block values drop NUL characters (PostgreSQL text cannot hold them); every other
    # request string rejects them (RequestModel). Before validation, so that check passes.
    return value.replace("\x00", "") if isinstance(value, str) else value


class BlockFields(RequestModel):
    description: str | None = None
    read_only: bool | None = None
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = Field(None, max_length=MAX_TAGS)


class CreateBlock(BlockFields):
    label: str = Field(pattern=LABEL_PATTERN)
    value: str
    limit: int = Field(DEFAULT_BLOCK_LIMIT, ge=1, le=MAX_BLOCK_LIMIT)

    _clean_value = field_validator("value", mode="before")(_strip_nul)


class UpdateBlock(BlockFields):
    label: str | None = Field(None, pattern=LABEL_PATTERN)
    value: str | None = None
    limit: int | None = Field(None, ge=1, le=MAX_BLOCK_LIMIT)

    _clean_value = field_validator("value", mode="before")(_strip_nul)


class Block(WireModel):
    id: str
    label: str
    value: str
    limit: int
    description: str | None
    read_only: bool
    metadata: dict[str, Any]
    tags: list[str]
    is_template: bool = False
    template_name: str | None = None
    hidden: bool | None = None
    project_id: str | None = None
    created_by_id: str | None = None
    last_updated_by_id: str | None = None
    # Not sent: the routes turn it into the ETag header.
    version: int = Field(0, exclude=True)
