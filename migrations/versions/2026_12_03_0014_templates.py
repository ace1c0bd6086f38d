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

AGENT_COLUMNS = ("base_template_id", "template_id", "deployment_id")
INDEXED_AGENT_COLUMNS = ("base_template_id", "template_id")


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
    # Plain ALTER TABLE on both databases: a batch rebuild of `agent` on SQLite would drop the
    # table, and with it (ON DELETE CASCADE) every row that refers to an agent.
    for column in AGENT_COLUMNS:
        op.add_column("agent", sa.Column(column, sa.String(length=64), nullable=True))
    for column in INDEXED_AGENT_COLUMNS:
        op.create_index(op.f(f"ix_agent_{column}"), "agent", [column])


def downgrade() -> None:
    for column in INDEXED_AGENT_COLUMNS:
        op.drop_index(op.f(f"ix_agent_{column}"), table_name="agent")
    for column in AGENT_COLUMNS:
        op.drop_column("agent", column)
    op.drop_table("template_version")
    op.drop_table("template")
