"""client-side access tokens

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:00:00.000000

Short-lived tokens (`/v1/client-side-access-tokens`) that open named agents to named
operations; the table keeps each token's SHA-256, never the token.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lettalite.db.base import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_token",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("hostname", sa.Text(), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_token")),
    )
    op.create_index(op.f("ix_access_token_expires_at"), "access_token", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_access_token_expires_at"), table_name="access_token")
    op.drop_table("access_token")
