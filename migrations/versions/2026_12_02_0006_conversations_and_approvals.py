"""conversations and approvals

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:20:00.000000

Named conversations (own history and context window, copies of isolated blocks), messages and
runs tagged with their conversation, the pending-approval marker of a context window, approval
answers and client tool output on messages, agent secrets and tool rules, and turn leases keyed
by conversation instead of agent.

`message.conversation_id` and `run.conversation_id` carry no foreign key: on SQLite adding or
dropping one rebuilds the table, which would drop message's full-text triggers and, with
foreign keys on, cascade through run's children. The service deletes a conversation's messages.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lettalite.db.base import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _context_window_columns() -> list[sa.Column]:
    return [
        sa.Column("system_message_id", sa.String(length=64), nullable=True),
        sa.Column("summary_message_id", sa.String(length=64), nullable=True),
        sa.Column("context_start_sequence", sa.Integer(), nullable=False),
        sa.Column("pending_approval_message_id", sa.String(length=64), nullable=True),
    ]


def _create_turn_lease(key_column: str) -> None:
    """Turn leases are transient (a few seconds), so changing the key recreates the table."""
    columns = [sa.Column(key_column, sa.String(length=64), nullable=False)]
    if key_column != "agent_id":
        columns.append(sa.Column("agent_id", sa.String(length=64), nullable=False))
    op.create_table(
        "turn_lease",
        *columns,
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
            name=op.f("fk_turn_lease_agent_id_agent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(key_column, name=op.f("pk_turn_lease")),
    )
    if key_column != "agent_id":
        op.create_index(op.f("ix_turn_lease_agent_id"), "turn_lease", ["agent_id"])


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("model", sa.String(length=255), nullable=True),
        sa.Column("model_settings", sa.JSON(), nullable=True),
        sa.Column("prompt_stale", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("last_message_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_run_completion", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        *_context_window_columns(),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
            name=op.f("fk_conversation_agent_id_agent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation")),
    )
    op.create_index(
        "ix_conversation_agent_id_created_at", "conversation", ["agent_id", "created_at"]
    )
    op.create_table(
        "conversation_block",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("block_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["block_id"],
            ["block.id"],
            name=op.f("fk_conversation_block_block_id_block"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_conversation_block_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_block")),
        sa.UniqueConstraint(
            "conversation_id", "label", name=op.f("uq_conversation_block_conversation_id_label")
        ),
    )
    op.create_index(op.f("ix_conversation_block_block_id"), "conversation_block", ["block_id"])

    op.add_column("agent", sa.Column("secrets", sa.JSON(), nullable=True))
    op.add_column("agent", sa.Column("tool_rules", sa.JSON(), nullable=True))
    op.add_column(
        "agent", sa.Column("pending_approval_message_id", sa.String(length=64), nullable=True)
    )
    for column in ("tool_stdout", "tool_stderr", "approvals"):
        op.add_column("message", sa.Column(column, sa.JSON(), nullable=True))
    op.add_column("message", sa.Column("conversation_id", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_message_conversation_id_sequence", "message", ["conversation_id", "sequence"]
    )
    op.add_column("run", sa.Column("conversation_id", sa.String(length=64), nullable=True))
    op.add_column("run", sa.Column("otid", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_run_conversation_id"), "run", ["conversation_id"])
    op.create_index(op.f("ix_run_otid"), "run", ["otid"])

    op.drop_table("turn_lease")
    _create_turn_lease("lock_key")


def downgrade() -> None:
    op.drop_table("turn_lease")
    _create_turn_lease("agent_id")

    # The default conversation's rows stay; named conversations go with their table.
    op.execute("DELETE FROM message WHERE conversation_id IS NOT NULL")
    op.drop_index(op.f("ix_run_otid"), table_name="run")
    op.drop_index(op.f("ix_run_conversation_id"), table_name="run")
    op.drop_column("run", "otid")
    op.drop_column("run", "conversation_id")
    op.drop_index("ix_message_conversation_id_sequence", table_name="message")
    for column in ("conversation_id", "approvals", "tool_stderr", "tool_stdout"):
        op.drop_column("message", column)
    for column in ("pending_approval_message_id", "tool_rules", "secrets"):
        op.drop_column("agent", column)

    op.execute("DELETE FROM block WHERE id IN (SELECT block_id FROM conversation_block)")
    op.drop_index(op.f("ix_conversation_block_block_id"), table_name="conversation_block")
    op.drop_table("conversation_block")
    op.drop_index("ix_conversation_agent_id_created_at", table_name="conversation")
    op.drop_table("conversation")
