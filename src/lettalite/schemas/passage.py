"""Archival memory on the wire: passages, inserting them and searching them."""

from typing import Annotated, Any

from pydantic import Field

from lettalite.schemas.common import InputTime, RequestModel, ResourceTime, WireModel
from lettalite.schemas.model import EmbeddingConfig
from lettalite.tools.archival import MAX_TAG_LENGTH, MAX_TAGS

Tag = Annotated[str, Field(min_length=1, max_length=MAX_TAG_LENGTH)]


class CreatePassage(RequestModel):
    text: str = Field(min_length=1, description="Text to write to archival memory.")
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    created_at: InputTime | None = Field(
        None, description="When the memory was made (defaults to now); UTC without an offset."
    )


class Passage(WireModel):
    """A passage of an archive (an agent's archival memory is its attached archives).

    `embedding` is always null: vectors stay in the database (Letta returns them padded to
    4096 floats, about 80 KB of JSON per passage, which no client needs to list memories).
    """

    id: str
    text: str
    tags: list[str]
    metadata: dict[str, Any]
    embedding: list[float] | None = None
    embedding_config: EmbeddingConfig | None
    archive_id: str | None = None
    file_id: str | None = None
    file_name: str | None = None
    source_id: str | None = None
    is_deleted: bool = False
    created_by_id: str | None = None
    last_updated_by_id: str | None = None
    created_at: ResourceTime
    updated_at: ResourceTime


class PassageSearchResult(WireModel):
    id: str
    timestamp: str = Field(description="When the passage was stored, in the agent's timezone")
    content: str
    tags: list[str]


class PassageSearchResponse(WireModel):
    results: list[PassageSearchResult]
    count: int


class DeletedPassage(WireModel):
    message: str
