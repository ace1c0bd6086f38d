"""archival memory

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 18:00:00.000000

Archival passages with their tags and embedding vectors (pgvector's `vector` on PostgreSQL,
or `real[]` where the server has no pgvector, which lettalite moves into `vector` once it has
(db/vectors.py); a float32 BLOB that sqlite-vec reads on SQLite), full-text indexed like
messages (0003) for search without an embedding model. The FTS5 table follows
`archival_passage` rowids: a later migration that recreates that table on SQLite must end with
`INSERT INTO archival_passage_fts(archival_passage_fts) VALUES('rebuild')`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE archival_passage_fts USING fts5(text, content='archival_passage', "
    "content_rowid='rowid', tokenize='porter unicode61')",
    "CREATE TRIGGER archival_passage_fts_insert AFTER INSERT ON archival_passage BEGIN "
    "INSERT INTO archival_passage_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "CREATE TRIGGER archival_passage_fts_delete AFTER DELETE ON archival_passage BEGIN "
    "INSERT INTO archival_passage_fts(archival_passage_fts, rowid, text) "
    "VALUES ('delete', old.rowid, old.text); END",
    "CREATE TRIGGER archival_passage_fts_update AFTER UPDATE OF text ON archival_passage BEGIN "
    "INSERT INTO archival_passage_fts(archival_passage_fts, rowid, text) "
    "VALUES ('delete', old.rowid, old.text); "
    "INSERT INTO archival_passage_fts(rowid, text) VALUES (new.rowid, new.text); END",
]
POSTGRES_FTS = [
    "ALTER TABLE archival_passage ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', text)) STORED",
    "CREATE INDEX ix_archival_passage_search_vector ON archival_passage USING gin (search_vector)",
]


def _postgres_vector_type() -> str:
    """`vector` when this database has or can get pgvector, else `real[]`."""
    bind = op.get_bind()
    available = bind.execute(
        sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
    )
    if available.scalar_one() == 0:
        return "real[]"
    try:
        with bind.begin_nested():  # a refusal (no privilege) must not end the migration
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vector"))
    except sa.exc.DBAPIError:
        return "real[]"
    return "vector"


def upgrade() -> None:
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "archival_passage",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("embedding_model", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
            name=op.f("fk_archival_passage_agent_id_agent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archival_passage")),
    )
    # Dimensionless: the embedding model decides the length.
    vector_type = "BLOB" if is_sqlite else _postgres_vector_type()
    op.execute(f"ALTER TABLE archival_passage ADD COLUMN embedding {vector_type}")
    op.create_index(
        "ix_archival_passage_agent_id_created_at",
        "archival_passage",
        ["agent_id", "created_at"],
    )
    op.create_table(
        "archival_passage_tag",
        sa.Column("passage_id", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["passage_id"],
            ["archival_passage.id"],
            name=op.f("fk_archival_passage_tag_passage_id_archival_passage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("passage_id", "tag", name=op.f("pk_archival_passage_tag")),
    )
    op.create_index(op.f("ix_archival_passage_tag_tag"), "archival_passage_tag", ["tag"])
    for statement in SQLITE_FTS if is_sqlite else POSTGRES_FTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER archival_passage_fts_{suffix}")
        op.execute("DROP TABLE archival_passage_fts")
    op.drop_table("archival_passage_tag")
    op.drop_table("archival_passage")
