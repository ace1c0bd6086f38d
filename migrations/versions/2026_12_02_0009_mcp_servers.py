"""mcp servers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:00:00.000000

Registered MCP servers; their tools are rows of `tool` (tool_type `external_mcp`). Secrets
are kept encrypted in `sealed_secrets`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lettalite.db.base import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mcp_server",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("server_name", sa.String(length=255), nullable=False),
        sa.Column("server_type", sa.String(length=32), nullable=False),
        sa.Column("server_url", sa.Text(), nullable=True),
        sa.Column("auth_header", sa.String(length=255), nullable=True),
        sa.Column("command", sa.Text(), nullable=True),
        sa.Column("args", sa.JSON(), nullable=True),
        sa.Column("sealed_secrets", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mcp_server")),
        sa.UniqueConstraint("server_name", name=op.f("uq_mcp_server_server_name")),
    )


def downgrade() -> None:
    op.drop_table("mcp_server")
