"""runs, steps and turn leases

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:35:54.736007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "turn_lease",
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
            name=op.f("fk_turn_lease_agent_id_agent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_turn_lease")),
    )
    op.create_table(
        "step",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("finish_reason", sa.String(length=32), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("llm_duration_ns", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_step_agent_id_agent"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["run.id"], name=op.f("fk_step_run_id_run"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step")),
    )
    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_step_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("request_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("callback_url", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("callback_sent_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("callback_status_code", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("callback_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ttft_ns", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("total_duration_ns", sa.BigInteger(), nullable=True))
        batch_op.drop_index(batch_op.f("ix_run_agent_id"))
        batch_op.create_index(
            "ix_run_agent_id_created_at", ["agent_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_run_request_key"), ["request_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_run_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_status"))
        batch_op.drop_index(batch_op.f("ix_run_request_key"))
        batch_op.drop_index("ix_run_agent_id_created_at")
        batch_op.create_index(batch_op.f("ix_run_agent_id"), ["agent_id"], unique=False)
        batch_op.drop_column("total_duration_ns")
        batch_op.drop_column("ttft_ns")
        batch_op.drop_column("callback_error")
        batch_op.drop_column("callback_status_code")
        batch_op.drop_column("callback_sent_at")
        batch_op.drop_column("callback_url")
        batch_op.drop_column("request_key")
        batch_op.drop_column("cancel_requested")

    with op.batch_alter_table("step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_run_id"))

    op.drop_table("step")
    op.drop_table("turn_lease")
