"""folders and files

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 10:00:00.000000

Folders (Letta's sources) of uploaded files, which lettalite parses, chunks and (with the
folder's embedding model) embeds in the background: `folder`, `file`, the uploaded bytes
waiting to be parsed (`file_upload`), the chunks (`file_passage`, full-text indexed and with
vectors like `archival_passage` in 0004), folders attached to agents (`agent_folder`) and each
agent's view of their files (`file_agent`: open or closed, the visible window). Agents get
their own `max_files_open` / `per_file_view_window_char_limit` (null: from the context window).

`file_passage.embedding` has the type `archival_passage.embedding` has now (`vector`, or
`real[]` on a server without pgvector); db/vectors.py moves both into pgvector together.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lettalite.db.base import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE file_passage_fts USING fts5(text, content='file_passage', "
    "content_rowid='rowid', tokenize='porter unicode61')",
    "CREATE TRIGGER file_passage_fts_insert AFTER INSERT ON file_passage BEGIN "
    "INSERT INTO file_passage_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "CREATE TRIGGER file_passage_fts_delete AFTER DELETE ON file_passage BEGIN "
    "INSERT INTO file_passage_fts(file_passage_fts, rowid, text) "
    "VALUES ('delete', old.rowid, old.text); END",
]
POSTGRES_FTS = [
    "ALTER TABLE file_passage ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', text)) STORED",
    "CREATE INDEX ix_file_passage_search_vector ON file_passage USING gin (search_vector)",
]
ARCHIVAL_VECTOR_TYPE = (
    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
    "WHERE attrelid = to_regclass('archival_passage') AND attname = 'embedding'"
)


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    ]


def _cascade(column: str, table: str, owner: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}"), ondelete="CASCADE"
    )


def _create_folder_and_file() -> None:
    op.create_table(
        "folder",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("instructions", sa.Text(), nullable=True),
        sa.Column("embedding", sa.String(length=255), nullable=True),
        sa.Column("embedding_chunk_size", sa.Integer(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_folder")),
        sa.UniqueConstraint("name", name=op.f("uq_folder_name")),
    )
    op.create_table(
        "file",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("folder_id", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=600), nullable=False),
        sa.Column("original_file_name", sa.String(length=300), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=True),
        sa.Column("file_type", sa.String(length=255), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("file_creation_date", sa.String(length=64), nullable=True),
        sa.Column("file_last_modified_date", sa.String(length=64), nullable=True),
        sa.Column("processing_status", sa.String(length=16), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("total_chunks", sa.Integer(), nullable=True),
        sa.Column("chunks_embedded", sa.Integer(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(timezone=True), nullable=True),
        *_timestamps(),
        _cascade("folder_id", "folder", "file"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file")),
        sa.UniqueConstraint(
            "folder_id", "original_file_name", name=op.f("uq_file_folder_id_original_file_name")
        ),
    )
    op.create_index(op.f("ix_file_processing_status"), "file", ["processing_status"])
    op.create_table(
        "file_upload",
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _cascade("file_id", "file", "file_upload"),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_file_upload")),
    )


def _postgres_vector_type() -> str:
    """What archival vectors are kept in (0004 chose `vector` or `real[]`)."""
    return op.get_bind().execute(sa.text(ARCHIVAL_VECTOR_TYPE)).scalar_one()


def _create_passages(is_sqlite: bool) -> None:
    op.create_table(
        "file_passage",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.Column("folder_id", sa.String(length=64), nullable=False),
        sa.Column("chunk_index", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("embedding_model", sa.String(length=255), nullable=True),
        *_timestamps(),
        _cascade("file_id", "file", "file_passage"),
        _cascade("folder_id", "folder", "file_passage"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_passage")),
    )
    vector_type = "BLOB" if is_sqlite else _postgres_vector_type()
    op.execute(f"ALTER TABLE file_passage ADD COLUMN embedding {vector_type}")
    op.create_index(op.f("ix_file_passage_file_id"), "file_passage", ["file_id", "chunk_index"])
    op.create_index(op.f("ix_file_passage_folder_id"), "file_passage", ["folder_id"])
    for statement in SQLITE_FTS if is_sqlite else POSTGRES_FTS:
        op.execute(statement)


def _create_agent_links() -> None:
    op.create_table(
        "agent_folder",
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("folder_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _cascade("agent_id", "agent", "agent_folder"),
        _cascade("folder_id", "folder", "agent_folder"),
        sa.PrimaryKeyConstraint("agent_id", "folder_id", name=op.f("pk_agent_folder")),
    )
    op.create_index(op.f("ix_agent_folder_folder_id"), "agent_folder", ["folder_id"])
    op.create_table(
        "file_agent",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.Column("folder_id", sa.String(length=64), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("visible_content", sa.Text(), nullable=True),
        sa.Column("start_line", sa.Integer(), nullable=True),
        sa.Column("end_line", sa.Integer(), nullable=True),
        sa.Column("last_accessed_at", UTCDateTime(timezone=True), nullable=False),
        *_timestamps(),
        _cascade("agent_id", "agent", "file_agent"),
        _cascade("file_id", "file", "file_agent"),
        _cascade("folder_id", "folder", "file_agent"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_agent")),
        sa.UniqueConstraint("agent_id", "file_id", name=op.f("uq_file_agent_agent_id")),
    )
    op.create_index(op.f("ix_file_agent_file_id"), "file_agent", ["file_id"])


AGENT_COLUMNS = ("max_files_open", "per_file_view_window_char_limit")


def upgrade() -> None:
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    _create_folder_and_file()
    _create_passages(is_sqlite)
    _create_agent_links()
    # Plain ALTER TABLE (SQLite >= 3.35 drops columns too): a batch rebuild of `agent` on SQLite
    # would drop the table, and with it, by cascade, every row that points at an agent.
    for column in AGENT_COLUMNS:
        op.add_column("agent", sa.Column(column, sa.Integer(), nullable=True))


def downgrade() -> None:
    for column in AGENT_COLUMNS:
        op.drop_column("agent", column)
    op.drop_table("file_agent")
    op.drop_table("agent_folder")
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("insert", "delete"):
            op.execute(f"DROP TRIGGER file_passage_fts_{suffix}")
        op.execute("DROP TABLE file_passage_fts")
    op.drop_table("file_passage")
    op.drop_table("file_upload")
    op.drop_table("file")
    op.drop_table("folder")
