"""Tables. Rows are named `*Row` so they never collide with the wire models in `schemas`."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lettalite.db.base import NULLABLE_JSON, Base, EncodedJSON, Timestamps, utcnow
from lettalite.db.vectors import Vector


class ContextWindow:
    """What an agent's default conversation and each named conversation have of their own: a
    context window and, while the model waits on tool results from the client or a human, the
    message that asked for them.

    The window is the system message, then the summary (after a compaction), then every message
    of the conversation whose sequence is at least `context_start_sequence`. Older messages stay
    stored and searchable (recall).
    """

    system_message_id: Mapped[str | None] = mapped_column(String(64))
    summary_message_id: Mapped[str | None] = mapped_column(String(64))
    context_start_sequence: Mapped[int] = mapped_column(default=1)
    # The assistant message whose tool calls await approval or client results, if any.
    pending_approval_message_id: Mapped[str | None] = mapped_column(String(64))

    @property
    def conversation_key(self) -> str | None:
        """`message.conversation_id` of the messages in this window (None: the default)."""
        raise NotImplementedError


class AgentRow(Timestamps, ContextWindow, Base):
    """An agent; its own columns of ContextWindow are its default conversation's."""

    __tablename__ = "agent"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    agent_type: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    system: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(255))
    context_window: Mapped[int]
    max_tokens: Mapped[int | None]
    temperature: Mapped[float | None]
    embedding: Mapped[str | None] = mapped_column(String(255))
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Files shown in the prompt at once, and characters of each; null: from the context window.
    max_files_open: Mapped[int | None]
    per_file_view_window_char_limit: Mapped[int | None]
    # Environment variables for the agent's tools, {name: value}; set by PATCH `secrets`.
    secrets: Mapped[dict[str, Any] | None]
    # Letta tool rules as sent, e.g. {"type": "requires_approval", "tool_name": "..."}.
    tool_rules: Mapped[list[Any] | None]
    # {"type": "text" | "json_object" | "json_schema", ...}: what the model is asked to answer in.
    response_format: Mapped[dict[str, Any] | None]
    # The `model_settings` last given (schemas/model_settings.py), with Letta's defaults filled.
    model_settings: Mapped[dict[str, Any] | None]
    # Sequences are allocated per agent across all its conversations.
    next_sequence: Mapped[int] = mapped_column(default=0)
    last_stop_reason: Mapped[str | None] = mapped_column(String(64))
    last_run_completion: Mapped[datetime | None]
    # Made from a template: the template, the version and the one request that made it.
    base_template_id: Mapped[str | None] = mapped_column(String(64), index=True)
    template_id: Mapped[str | None] = mapped_column(String(64), index=True)
    deployment_id: Mapped[str | None] = mapped_column(String(64))

    block_links: Mapped[list["AgentBlockRow"]] = relationship(
        order_by="AgentBlockRow.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise_on_sql",
    )
    tool_links: Mapped[list["AgentToolRow"]] = relationship(
        order_by="AgentToolRow.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise_on_sql",
    )
    tag_rows: Mapped[list["AgentTagRow"]] = relationship(
        order_by="AgentTagRow.tag",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise_on_sql",
    )
    identity_links: Mapped[list["IdentityAgentRow"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise_on_sql"
    )

    @property
    def conversation_key(self) -> str | None:
        return None


class BlockRow(Timestamps, Base):
    __tablename__ = "block"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(255), index=True)
    value: Mapped[str] = mapped_column(Text)
    limit: Mapped[int]
    description: Mapped[str | None] = mapped_column(Text)
    read_only: Mapped[bool] = mapped_column(default=False)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    tags: Mapped[list[Any] | None]
    # Optimistic locking: every UPDATE checks and bumps it, so a write based on a stale read
    # fails (StaleDataError) instead of silently overwriting another writer's edit.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class AgentBlockRow(Base):
    """Attachment of a block to an agent; one block may be attached to many agents."""

    __tablename__ = "agent_block"
    __table_args__ = (
        UniqueConstraint("agent_id", "label"),
        UniqueConstraint("agent_id", "block_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    block_id: Mapped[str] = mapped_column(ForeignKey("block.id", ondelete="CASCADE"), index=True)
    # A copy of the block's label, so the database enforces unique labels per agent.
    label: Mapped[str] = mapped_column(String(255))

    block: Mapped[BlockRow] = relationship(lazy="joined")


class ToolRow(Timestamps, Base):
    __tablename__ = "tool"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    tool_type: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    json_schema: Mapped[dict[str, Any]]
    tags: Mapped[list[Any] | None]
    return_char_limit: Mapped[int] = mapped_column(default=50000)
    # Custom tools: Python source run in the sandbox. Built-in tools have no source.
    source_type: Mapped[str] = mapped_column(String(32), default="python", server_default="python")
    source_code: Mapped[str | None] = mapped_column(Text)
    args_json_schema: Mapped[dict[str, Any] | None]
    # [{"name": ..., "version": ...}], as sent.
    pip_requirements: Mapped[list[Any] | None]
    npm_requirements: Mapped[list[Any] | None]
    default_requires_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    enable_parallel_execution: Mapped[bool] = mapped_column(default=False, server_default=false())
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)


class AgentToolRow(Base):
    __tablename__ = "agent_tool"
    __table_args__ = (UniqueConstraint("agent_id", "tool_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    tool_id: Mapped[str] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), index=True)

    tool: Mapped[ToolRow] = relationship(lazy="joined")


class AgentTagRow(Base):
    __tablename__ = "agent_tag"

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)


class RunRow(Base):
    """One turn of an agent: created -> running -> completed | failed | cancelled."""

    __tablename__ = "run"
    __table_args__ = (Index("ix_run_agent_id_created_at", "agent_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    # None for the agent's default conversation. No foreign key (see migration 0006): a
    # deleted conversation's runs stay listed.
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    stop_reason: Mapped[str | None] = mapped_column(String(64))
    background: Mapped[bool] = mapped_column(default=False)
    # Set by a cancel request; the process running the turn (maybe another one) stops it.
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Identifies a request so an SDK's automatic re-send of it joins this run, not a new one.
    request_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # The client's otid of the request's first message: a client resumes the stream by it.
    otid: Mapped[str | None] = mapped_column(String(64), index=True)
    request_config: Mapped[dict[str, Any] | None]
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    usage: Mapped[dict[str, Any] | None]
    callback_url: Mapped[str | None] = mapped_column(Text)
    callback_sent_at: Mapped[datetime | None]
    callback_status_code: Mapped[int | None]
    callback_error: Mapped[str | None] = mapped_column(Text)
    ttft_ns: Mapped[int | None] = mapped_column(BigInteger)
    total_duration_ns: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


# The deferred group of a step's provider trace columns.
TRACE_COLUMNS = "trace"


class StepRow(Base):
    """One model call within a run: what it cost, and what it sent and got back."""

    __tablename__ = "step"
    __table_args__ = (Index("ix_step_agent_id_created_at", "agent_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(255))
    finish_reason: Mapped[str | None] = mapped_column(String(32))
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
    # lettalite's own estimate of the same request: with prompt_tokens, how far off it runs.
    estimated_prompt_tokens: Mapped[int] = mapped_column(default=0, server_default="0")
    llm_duration_ns: Mapped[int | None] = mapped_column(BigInteger)
    # Set by `PATCH /v1/steps/{id}/feedback`: "positive" | "negative", and free tags.
    feedback: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[list[Any] | None]
    # The step's provider trace, each side bounded in size: the provider's own request body as
    # lettalite sent it, and the completion lettalite assembled from the answer
    # (provider-neutral). NULL for a step stored before lettalite kept traces. Deferred, as
    # one group (`undefer_group(TRACE_COLUMNS)` loads both): listing steps or runs never
    # reads them.
    request_json: Mapped[dict[str, Any] | EncodedJSON | None] = mapped_column(
        NULLABLE_JSON, deferred=True, deferred_group=TRACE_COLUMNS
    )
    response_json: Mapped[dict[str, Any] | EncodedJSON | None] = mapped_column(
        NULLABLE_JSON, deferred=True, deferred_group=TRACE_COLUMNS
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TurnLeaseRow(Base):
    """Who is running a turn in a conversation, until when. Serializes the turns of one
    conversation (`lock_key`: its id, or the agent's id for the default one) across processes.

    A lease rather than a held database lock, so that a waiting turn holds no connection and
    a crashed process's lease simply expires.
    """

    __tablename__ = "turn_lease"

    lock_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


def content_text(content: list[dict[str, Any]]) -> str:
    """A stored message's text parts joined (reasoning parts excluded)."""
    return "\n".join(part["text"] for part in content if part.get("type") == "text")


class MessageRow(Base):
    """One stored message in OpenAI-like form; `agent.render` shows it as Letta messages."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("agent_id", "sequence"),
        Index("ix_message_agent_id_role", "agent_id", "role"),
        Index("ix_message_conversation_id_sequence", "conversation_id", "sequence"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    # None for the agent's default conversation. No foreign key (see migration 0006): the
    # conversation's messages are deleted with it by the service.
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    sequence: Mapped[int]
    # user, assistant, tool, system, or approval (a client's answer to approval requests).
    role: Mapped[str] = mapped_column(String(16))
    # A list of parts: {"type": "text", "text": ...}, {"type": "reasoning", "reasoning": ...}
    # and {"type": "image", "source": {...}} (Letta's image part, as the client sent it).
    content: Mapped[list[Any]]
    # For role=assistant: [{"id", "name", "arguments", "requires_approval"?}]; arguments is the
    # raw JSON string; requires_approval marks calls that waited for the client or a human.
    tool_calls: Mapped[list[Any] | None]
    # For role=tool (one row per call answered): the call it answers and "success" | "error".
    tool_call_id: Mapped[str | None] = mapped_column(String(255))
    tool_status: Mapped[str | None] = mapped_column(String(16))
    tool_stdout: Mapped[list[Any] | None]
    tool_stderr: Mapped[list[Any] | None]
    # For role=approval: the client's approval items as received (Letta's `approvals`).
    approvals: Mapped[list[Any] | None]
    name: Mapped[str | None] = mapped_column(String(255))
    otid: Mapped[str | None] = mapped_column(String(64))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"))
    step_id: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(255))
    is_err: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The text conversation_search matches (SQLite FTS5 / PostgreSQL full-text index it).
    search_text: Mapped[str | None] = mapped_column(Text)
    # Changes to the message so far: every UPDATE adds one, so a server that kept what the
    # model is shown of a window between steps (agent/window_cache.py) sees any change.
    revision: Mapped[int] = mapped_column(
        default=0, server_default="0", onupdate=literal_column("revision + 1")
    )

    @property
    def text(self) -> str:
        return content_text(self.content)


class ConversationRow(Timestamps, ContextWindow, Base):
    """A named conversation of an agent: its own history and context window, the agent's
    memory blocks (except isolated ones, which it has copies of)."""

    __tablename__ = "conversation"
    __table_args__ = (Index("ix_conversation_agent_id_created_at", "agent_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    summary: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(255))
    model_settings: Mapped[dict[str, Any] | None]
    # Set when a memory block it shows changed elsewhere: its system message is recompiled
    # before its next model request.
    prompt_stale: Mapped[bool] = mapped_column(default=False, server_default=false())
    last_message_at: Mapped[datetime | None]
    last_run_completion: Mapped[datetime | None]

    block_links: Mapped[list["ConversationBlockRow"]] = relationship(
        order_by="ConversationBlockRow.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise_on_sql",
    )

    @property
    def conversation_key(self) -> str | None:
        return self.id


class ConversationBlockRow(Base):
    """A conversation's own copy of one of the agent's blocks (`isolated_block_labels`)."""

    __tablename__ = "conversation_block"
    __table_args__ = (UniqueConstraint("conversation_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    block_id: Mapped[str] = mapped_column(ForeignKey("block.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(255))

    block: Mapped[BlockRow] = relationship(lazy="joined")


class ArchiveRow(Timestamps, Base):
    """A collection of archival passages, attachable to several agents.

    One embedding model per archive (`embedding`, or none for full-text search only):
    vectors of different models cannot be ranked together.
    """

    __tablename__ = "archive"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    embedding: Mapped[str | None] = mapped_column(String(255))
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)


class AgentArchiveRow(Base):
    """Attachment of an archive to an agent. `is_owner` marks the archive made for the agent
    (its archival memory): it follows the agent's embedding model and goes with the agent."""

    __tablename__ = "agent_archive"

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True
    )
    archive_id: Mapped[str] = mapped_column(
        ForeignKey("archive.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_owner: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PassageRow(Timestamps, Base):
    """One passage of an archive: text, tags and (with an embedding model) its vector."""

    __tablename__ = "archival_passage"
    __table_args__ = (
        Index("ix_archival_passage_archive_id_created_at", "archive_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    archive_id: Mapped[str] = mapped_column(ForeignKey("archive.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    # In the order given; `tag_rows` holds the same tags for filtering by tag in SQL.
    tags: Mapped[list[Any]]
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    # The embedding handle that produced `embedding`; only vectors of one model are compared.
    embedding_model: Mapped[str | None] = mapped_column(String(255))
    embedding: Mapped[list[float] | None] = mapped_column(Vector())

    tag_rows: Mapped[list["PassageTagRow"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise_on_sql"
    )


class PassageTagRow(Base):
    __tablename__ = "archival_passage_tag"

    passage_id: Mapped[str] = mapped_column(
        ForeignKey("archival_passage.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)


class IdentityRow(Timestamps, Base):
    """A party agents and blocks belong to (a user, an org, ...), known by `identifier_key`."""

    __tablename__ = "identity"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Unique per project_id; checked by the service (a NULL project_id defeats a constraint).
    identifier_key: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    identity_type: Mapped[str] = mapped_column(String(16))  # org | user | other
    project_id: Mapped[str | None] = mapped_column(String(255))
    # [{"key", "value", "type": "string" | "number" | "boolean" | "json"}], as sent.
    properties: Mapped[list[Any]]

    agent_links: Mapped[list["IdentityAgentRow"]] = relationship(
        back_populates="identity",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )
    block_links: Mapped[list["IdentityBlockRow"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class IdentityAgentRow(Base):
    __tablename__ = "identity_agent"

    identity_id: Mapped[str] = mapped_column(
        ForeignKey("identity.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    identity: Mapped[IdentityRow] = relationship(back_populates="agent_links", lazy="raise_on_sql")


class IdentityBlockRow(Base):
    __tablename__ = "identity_block"

    identity_id: Mapped[str] = mapped_column(
        ForeignKey("identity.id", ondelete="CASCADE"), primary_key=True
    )
    block_id: Mapped[str] = mapped_column(
        ForeignKey("block.id", ondelete="CASCADE"), primary_key=True, index=True
    )
