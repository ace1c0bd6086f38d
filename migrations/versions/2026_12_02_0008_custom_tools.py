"""custom tools and response formats

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:00:00.000000

Tools written by users (Python source run in a sandbox) keep their source, how their schema was
given, their requirements and whether calls need approval by default; agents keep the
`response_format` their model is asked to answer in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tool") as batch:
        batch.add_column(
            sa.Column("source_type", sa.String(length=32), nullable=False, server_default="python")
        )
        batch.add_column(sa.Column("source_code", sa.Text(), nullable=True))
        batch.add_column(sa.Column("args_json_schema", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("pip_requirements", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("npm_requirements", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column(
                "default_requires_approval", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(
            sa.Column(
                "enable_parallel_execution", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(sa.Column("metadata", sa.JSON(), nullable=True))
    with op.batch_alter_table("agent") as batch:
        batch.add_column(sa.Column("response_format", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agent") as batch:
        batch.drop_column("response_format")
    with op.batch_alter_table("tool") as batch:
        for column in (
            "metadata",
            "enable_parallel_execution",
            "default_requires_approval",
            "npm_requirements",
            "pip_requirements",
            "args_json_schema",
            "source_code",
            "source_type",
        ):
            batch.drop_column(column)
