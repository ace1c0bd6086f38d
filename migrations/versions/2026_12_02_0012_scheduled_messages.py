"""scheduled messages

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 18:00:00.000000

Messages to send an agent once at a time or on a cron schedule; the server's scheduler fires
them (`next_run_ms`, claimed with a conditional update so one replica fires each occurrence).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lettalite.db.base import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduled_message",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("scheduled_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("cron_expression", sa.String(length=255), nullable=True),
        sa.Column("next_run_ms", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
            name=op.f("fk_scheduled_message_agent_id_agent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_message")),
    )
    op.create_index(
        "ix_scheduled_message_agent_id_created_at",
        "scheduled_message",
        ["agent_id", "created_at"],
    )
    op.create_index(op.f("ix_scheduled_message_next_run_ms"), "scheduled_message", ["next_run_ms"])


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduled_message_next_run_ms"), table_name="scheduled_message")
    op.drop_index("ix_scheduled_message_agent_id_created_at", table_name="scheduled_message")
    op.drop_table("scheduled_message")
