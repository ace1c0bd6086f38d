"""Tables of what the server keeps beside agents and their memory: access tokens, MCP servers,
providers added at run time, scheduled messages and agent templates."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lettalite.db.base import Base, Timestamps, utcnow


class AccessTokenRow(Base):
    """A client-side access token: which agents it opens, for which operations, until when.

    The token is `<id>.<secret>`; only its SHA-256 is stored, so a leaked database opens
    nothing. A random 256-bit secret needs no slow hash: there is no dictionary to try.
    """

    __tablename__ = "access_token"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    # [{"type": "agent", "id": "agent-…", "access": ["read_messages", ...]}], as sent.
    policy: Mapped[list[Any]]
    hostname: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class McpServerRow(Timestamps, Base):
    """A registered MCP server. Its secrets (token, header values, stdio env) are one
    encrypted JSON object, never stored in clear."""

    __tablename__ = "mcp_server"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    server_name: Mapped[str] = mapped_column(String(255), unique=True)
    server_type: Mapped[str] = mapped_column(String(32))  # stdio | sse | streamable_http
    server_url: Mapped[str | None] = mapped_column(Text)
    auth_header: Mapped[str | None] = mapped_column(String(255))
    command: Mapped[str | None] = mapped_column(Text)
    args: Mapped[list[Any] | None]
    # {"auth_token", "custom_headers", "env"}, encrypted (lettalite.secret_box).
    sealed_secrets: Mapped[str | None] = mapped_column(Text)


class ProviderRow(Timestamps, Base):
    """A provider a team added at run time (BYOK). Its keys are one encrypted JSON object
    ({"api_key", "access_key"}), never stored in clear."""

    __tablename__ = "provider"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    provider_type: Mapped[str] = mapped_column(String(32))
    base_url: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(64))
    api_version: Mapped[str | None] = mapped_column(String(64))
    sealed_keys: Mapped[str | None] = mapped_column(Text)
    last_synced: Mapped[datetime | None]


class ScheduledMessageRow(Base):
    """Messages to send an agent at a time (one-time) or on a cron schedule (recurring).

    `next_run_ms` (Unix milliseconds, UTC) is when it fires next; a replica fires it only if
    its conditional update of that value wins, so each occurrence fires once.
    """

    __tablename__ = "scheduled_message"
    __table_args__ = (Index("ix_scheduled_message_agent_id_created_at", "agent_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    # {"messages", "max_steps", "callback_url", "include_return_message_types"}, as sent.
    request: Mapped[dict[str, Any]]
    scheduled_at_ms: Mapped[int | None] = mapped_column(BigInteger)  # one-time
    cron_expression: Mapped[str | None] = mapped_column(String(255))  # recurring
    next_run_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TemplateRow(Timestamps, Base):
    """An agent template: a working copy (`current`, an Agent File without messages) that
    `PATCH` replaces, and the numbered versions `save` made of it."""

    __tablename__ = "template"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    current: Mapped[dict[str, Any]]
    latest_version: Mapped[int]
    # Agents made from it overwrite same-named custom tools with the template's code.
    update_existing_tools: Mapped[bool] = mapped_column(default=False)


class TemplateVersionRow(Base):
    """A saved version of a template: its Agent File as it was."""

    __tablename__ = "template_version"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("template.id", ondelete="CASCADE"))
    version: Mapped[int]
    snapshot: Mapped[dict[str, Any]]
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
