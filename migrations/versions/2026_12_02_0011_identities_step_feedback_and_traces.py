"""identities, step feedback and traces, tool search

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 18:00:00.000000

Identities (a user, org or other party known by an `identifier_key`) and the agents and blocks
they are attached to; a step's feedback and tags, and its provider trace (a bounded copy of the
request sent to the model and the completion it answered); and a full-text index over tools'
names, descriptions and tags for `POST /v1/tools/search` (like messages, 0003). The FTS5 table
follows `tool` rowids: a later migration that recreates `tool` on SQLite must end with
`INSERT INTO tool_fts(tool_fts) VALUES('rebuild')`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lettalite.db.base import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS_COLUMNS = "name, description, tags"
_NEW = "new.rowid, new.name, new.description, new.tags"
_OLD = "'delete', old.rowid, old.name, old.description, old.tags"
SQLITE_FTS = [
    f"CREATE VIRTUAL TABLE tool_fts USING fts5({_FTS_COLUMNS}, content='tool', "
    "content_rowid='rowid', tokenize='porter unicode61')",
    "CREATE TRIGGER tool_fts_insert AFTER INSERT ON tool BEGIN "
    f"INSERT INTO tool_fts(rowid, {_FTS_COLUMNS}) VALUES ({_NEW}); END",
    "CREATE TRIGGER tool_fts_delete AFTER DELETE ON tool BEGIN "
    f"INSERT INTO tool_fts(tool_fts, rowid, {_FTS_COLUMNS}) VALUES ({_OLD}); END",
    f"CREATE TRIGGER tool_fts_update AFTER UPDATE OF {_FTS_COLUMNS} ON tool BEGIN "
    f"INSERT INTO tool_fts(tool_fts, rowid, {_FTS_COLUMNS}) VALUES ({_OLD}); "
    f"INSERT INTO tool_fts(rowid, {_FTS_COLUMNS}) VALUES ({_NEW}); END",
    "INSERT INTO tool_fts(tool_fts) VALUES('rebuild')",
]
POSTGRES_FTS = [
    "ALTER TABLE tool ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', coalesce(name, '') || ' ' || coalesce(description, '') || ' ' "
    "|| coalesce(tags::text, ''))) STORED",
    "CREATE INDEX ix_tool_search_vector ON tool USING gin (search_vector)",
]


def _link_table(name: str, other: str) -> None:
    """`identity_<other>`: which agents (or blocks) an identity is attached to."""
    op.create_table(
        name,
        sa.Column("identity_id", sa.String(length=64), nullable=False),
        sa.Column(f"{other}_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["identity.id"],
            name=op.f(f"fk_{name}_identity_id_identity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            [f"{other}_id"],
            [f"{other}.id"],
            name=op.f(f"fk_{name}_{other}_id_{other}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("identity_id", f"{other}_id", name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_{other}_id"), name, [f"{other}_id"])


def upgrade() -> None:
    op.create_table(
        "identity",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("identifier_key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("identity_type", sa.String(length=16), nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity")),
    )
    op.create_index(op.f("ix_identity_identifier_key"), "identity", ["identifier_key"])
    _link_table("identity_agent", "agent")
    _link_table("identity_block", "block")
    with op.batch_alter_table("step") as batch_op:
        batch_op.add_column(sa.Column("feedback", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("tags", sa.JSON(), nullable=True))
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
    for statement in SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else POSTGRES_FTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER tool_fts_{suffix}")
        op.execute("DROP TABLE tool_fts")
    else:
        op.execute("DROP INDEX ix_tool_search_vector")
        op.execute("ALTER TABLE tool DROP COLUMN search_vector")
    op.drop_table("step_trace")
    with op.batch_alter_table("step") as batch_op:
        batch_op.drop_column("tags")
        batch_op.drop_column("feedback")
    op.drop_table("identity_block")
    op.drop_table("identity_agent")
    op.drop_index(op.f("ix_identity_identifier_key"), table_name="identity")
    op.drop_table("identity")
