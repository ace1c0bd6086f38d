"""Archives on the wire: collections of passages that can be attached to several agents."""

from typing import Any, Literal

from pydantic import Field

from lettalite.schemas.agent import EmbeddingConfigInput
from lettalite.schemas.common import InputTime, RequestModel, ResourceTime, WireModel
from lettalite.schemas.model import EmbeddingConfig
from lettalite.schemas.passage import Passage, Tag
from lettalite.tools.archival import MAX_TAGS

MAX_BATCH = 1000
MAX_SEARCH_LIMIT = 100


class Archive(WireModel):
    id: str
    name: str
    description: str | None
    metadata: dict[str, Any]
    embedding_config: EmbeddingConfig | None
    vector_db_provider: Literal["native"] = "native"
    organization_id: str | None = None
    created_by_id: str | None = None
    last_updated_by_id: str | None = None
    created_at: ResourceTime
    updated_at: ResourceTime


class CreateArchive(RequestModel):
    name: str = Field(min_length=1, max_length=255)
    description: str | None = None
    embedding: str | None = Field(None, description="Embedding model handle; none: full text")
    embedding_config: EmbeddingConfigInput | None = Field(None, deprecated=True)


class UpdateArchive(RequestModel):
    name: str | None = Field(None, min_length=1, max_length=255)
    description: str | None = None


class CreateArchivePassage(RequestModel):
    text: str = Field(min_length=1)
    metadata: dict[str, Any] | None = None
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    created_at: InputTime | None = Field(
        None, description="When the passage was made (defaults to now); UTC without an offset."
    )


class CreateArchivePassages(RequestModel):
    passages: list[CreateArchivePassage] = Field(min_length=1, max_length=MAX_BATCH)


class SearchPassages(RequestModel):
    query: str | None = Field(None, max_length=10_000)
    agent_id: str | None = Field(None, max_length=64)
    archive_id: str | None = Field(None, max_length=64)
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    tag_match_mode: Literal["any", "all"] = "any"
    limit: int = Field(50, ge=1, le=MAX_SEARCH_LIMIT)
    start_date: InputTime | None = None
    end_date: InputTime | None = None


class ScoredPassage(WireModel):
    passage: Passage
    score: float
    metadata: dict[str, Any] = Field(default_factory=dict)
