"""byok providers and model settings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:00:00.000000

Providers a team adds at run time (`/v1/providers`), their keys encrypted in `sealed_keys`;
and the `model_settings` an agent was given, kept as sent (defaults filled in).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lettalite.db.base import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "provider",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("provider_type", sa.String(length=32), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=True),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("api_version", sa.String(length=64), nullable=True),
        sa.Column("sealed_keys", sa.Text(), nullable=True),
        sa.Column("last_synced", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider")),
        sa.UniqueConstraint("name", name=op.f("uq_provider_name")),
    )
    op.add_column("agent", sa.Column("model_settings", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Not a batch rebuild: on SQLite that drops `agent`, cascading to every row pointing at it.
    op.drop_column("agent", "model_settings")
    op.drop_table("provider")
