"""a step's provider trace in its own row

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 17:30:00.000000

A step's trace (0011) moves from table `step_trace` into two nullable columns of `step`: a
step writes one row, one INSERT, not two. The trace was written in the step's transaction,
so its `created_at` was the step's and is not kept. A step stored before traces were kept
has NULL in both. The columns are added and dropped in place (no table copy on SQLite).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lettalite.db.base import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Correlated subqueries: the one UPDATE both SQLite and PostgreSQL run the same way.
COPY_TO_STEP = (
    "UPDATE step SET "
    "request_json = (SELECT request_json FROM step_trace WHERE step_trace.step_id = step.id), "
    "response_json = (SELECT response_json FROM step_trace WHERE step_trace.step_id = step.id) "
    "WHERE id IN (SELECT step_id FROM step_trace)"
)
COPY_TO_TRACE = (
    "INSERT INTO step_trace (step_id, request_json, response_json, created_at) "
    "SELECT id, request_json, response_json, created_at FROM step "
    "WHERE request_json IS NOT NULL AND response_json IS NOT NULL"
)


def upgrade() -> None:
    op.add_column("step", sa.Column("request_json", sa.JSON(), nullable=True))
    op.add_column("step", sa.Column("response_json", sa.JSON(), nullable=True))
    op.execute(COPY_TO_STEP)
    op.drop_table("step_trace")


def downgrade() -> None:
    op.create_table(
        "step_trace",
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("request_json", sa.JSON(), nullable=False),
        sa.Column("response_json", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["step_id"], ["step.id"], name=op.f("fk_step_trace_step_id_step"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("step_id", name=op.f("pk_step_trace")),
    )
    op.execute(COPY_TO_TRACE)
    op.drop_column("step", "response_json")
    op.drop_column("step", "request_json")
