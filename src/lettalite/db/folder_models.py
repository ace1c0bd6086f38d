"""Tables of folders (Letta's sources), their files and file chunks, and of agents' views of
them. See migration 0014."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from lettalite.db.base import Base, Timestamps, utcnow
from lettalite.db.vectors import Vector


class FolderRow(Timestamps, Base):
    """A folder of files; one embedding model (or none: full-text search only) for its chunks."""

    __tablename__ = "folder"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    instructions: Mapped[str | None] = mapped_column(Text)
    embedding: Mapped[str | None] = mapped_column(String(255))
    embedding_chunk_size: Mapped[int]
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)


class FileRow(Timestamps, Base):
    """An uploaded file: its metadata, processing state and (once parsed) its text.

    `claimed_until` is the lease of the server process processing it; `attempts` counts the
    processings started, so a file that keeps killing its processor ends in "error".
    """

    __tablename__ = "file"
    __table_args__ = (UniqueConstraint("folder_id", "original_file_name"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    folder_id: Mapped[str] = mapped_column(ForeignKey("folder.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(600))
    original_file_name: Mapped[str] = mapped_column(String(300))
    file_path: Mapped[str | None] = mapped_column(Text)
    file_type: Mapped[str] = mapped_column(String(255))
    file_size: Mapped[int] = mapped_column(BigInteger)
    file_creation_date: Mapped[str | None] = mapped_column(String(64))
    file_last_modified_date: Mapped[str | None] = mapped_column(String(64))
    processing_status: Mapped[str] = mapped_column(String(16), index=True)
    error_message: Mapped[str | None] = mapped_column(Text)
    total_chunks: Mapped[int | None]
    chunks_embedded: Mapped[int | None]
    content: Mapped[str | None] = deferred(mapped_column(Text))
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_until: Mapped[datetime | None]


class FileUploadRow(Base):
    """The bytes of an uploaded file until they are parsed."""

    __tablename__ = "file_upload"

    file_id: Mapped[str] = mapped_column(
        ForeignKey("file.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)


class FilePassageRow(Timestamps, Base):
    """One chunk of a file's text, full-text indexed, with its vector under an embedding
    model."""

    __tablename__ = "file_passage"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("file.id", ondelete="CASCADE"))
    folder_id: Mapped[str] = mapped_column(ForeignKey("folder.id", ondelete="CASCADE"), index=True)
    chunk_index: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    embedding_model: Mapped[str | None] = mapped_column(String(255))
    embedding: Mapped[list[float] | None] = mapped_column(Vector())


class AgentFolderRow(Base):
    __tablename__ = "agent_folder"

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True
    )
    folder_id: Mapped[str] = mapped_column(
        ForeignKey("folder.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FileAgentRow(Timestamps, Base):
    """A file of a folder attached to an agent: open (shown in its prompt, the lines
    `start_line`..`end_line` of it) or closed. The open files least recently accessed are closed
    first when the agent's `max_files_open` is reached."""

    __tablename__ = "file_agent"
    __table_args__ = (UniqueConstraint("agent_id", "file_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    file_id: Mapped[str] = mapped_column(ForeignKey("file.id", ondelete="CASCADE"), index=True)
    folder_id: Mapped[str] = mapped_column(ForeignKey("folder.id", ondelete="CASCADE"))
    is_open: Mapped[bool]
    visible_content: Mapped[str | None] = mapped_column(Text)
    start_line: Mapped[int | None]
    end_line: Mapped[int | None]
    last_accessed_at: Mapped[datetime] = mapped_column(default=utcnow)
