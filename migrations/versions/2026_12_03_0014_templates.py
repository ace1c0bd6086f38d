"""templates

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:00:00.000000

Agent templates (`template`): a working copy that `PATCH /v1/templates/{name}` replaces and
numbered versions (`template_version`) that `save` makes of it, each an Agent File without
messages. Agents made from a template record the template (`base_template_id`), the version
(`template_id`) and the request that made them (`deployment_id`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lettalite.db.base import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "template",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("current", sa.JSON(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("update_existing_tools", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template")),
        sa.UniqueConstraint("name", name=op.f("uq_template_name")),
    )
    op.create_table(
        "template_version",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["template.id"],
            name=op.f("fk_template_version_template_id_template"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_version")),
        sa.UniqueConstraint(
            "template_id", "version", name=op.f("uq_template_version_template_id_version")
        ),
    )
    with op.batch_alter_table("agent") as batch:
        batch.add_column(sa.Column("base_template_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("template_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("deployment_id", sa.String(length=64), nullable=True))
        batch.create_index(op.f("ix_agent_base_template_id"), ["base_template_id"])
        batch.create_index(op.f("ix_agent_template_id"), ["template_id"])


def downgrade() -> None:
    with op.batch_alter_table("agent") as batch:
        batch.drop_index(op.f("ix_agent_template_id"))
        batch.drop_index(op.f("ix_agent_base_template_id"))
        batch.drop_column("deployment_id")
        batch.drop_column("template_id")
        batch.drop_column("base_template_id")
    op.drop_table("template_version")
    op.drop_table("template")
