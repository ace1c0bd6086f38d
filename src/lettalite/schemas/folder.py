"""Folders (Letta's sources) and their files on the wire."""

from typing import Any, Literal

from pydantic import ConfigDict, Field

from lettalite.schemas.agent import EmbeddingConfigInput
from lettalite.schemas.common import RequestModel, ResourceTime, WireModel
from lettalite.schemas.model import EmbeddingConfig

DEFAULT_CHUNK_SIZE = 300  # tokens, as Letta
MAX_CHUNK_SIZE = 8192
ProcessingStatus = Literal["pending", "parsing", "embedding", "completed", "error"]
DuplicateHandling = Literal["suffix", "error", "skip", "replace"]


class Folder(WireModel):
    id: str
    name: str
    description: str | None
    instructions: str | None
    metadata: dict[str, Any] | None
    embedding_config: EmbeddingConfig
    vector_db_provider: Literal["native"] = "native"
    created_by_id: str | None = None
    last_updated_by_id: str | None = None
    created_at: ResourceTime
    updated_at: ResourceTime


class CreateFolder(RequestModel):
    # Letta's SourceCreate forbids unknown keys.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    description: str | None = None
    instructions: str | None = None
    metadata: dict[str, Any] | None = None
    embedding: str | None = Field(None, description="Embedding model handle; none: full text")
    embedding_chunk_size: int | None = Field(None, ge=1, le=MAX_CHUNK_SIZE)
    embedding_config: EmbeddingConfigInput | None = None


class UpdateFolder(RequestModel):
    name: str | None = Field(None, min_length=1, max_length=255)
    description: str | None = None
    instructions: str | None = None
    metadata: dict[str, Any] | None = None
    embedding_config: EmbeddingConfigInput | None = None


class FileMetadata(WireModel):
    id: str
    source_id: str
    file_name: str
    original_file_name: str
    file_path: str | None
    file_type: str
    file_size: int
    file_creation_date: str | None
    file_last_modified_date: str | None
    processing_status: ProcessingStatus
    error_message: str | None
    total_chunks: int | None
    chunks_embedded: int | None
    content: str | None = None
    organization_id: str | None = None
    created_at: ResourceTime
    updated_at: ResourceTime


class AgentFileAttachment(WireModel):
    """A file as one agent sees it (`GET /v1/agents/{id}/files`)."""

    id: str
    file_id: str
    file_name: str
    folder_id: str
    folder_name: str
    is_open: bool
    last_accessed_at: ResourceTime | None
    visible_content: str | None
    start_line: int | None
    end_line: int | None


class PaginatedAgentFiles(WireModel):
    files: list[AgentFileAttachment]
    next_cursor: str | None
    has_more: bool


class FileStats(WireModel):
    file_id: str
    file_name: str
    file_size: int | None


class FolderStats(WireModel):
    source_id: str
    source_name: str
    file_count: int = 0
    total_size: int = 0
    files: list[FileStats] = []


class FoldersMetadata(WireModel):
    total_sources: int
    total_files: int
    total_size: int
    sources: list[FolderStats]
