"""conversation summaries and full-text recall

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:10:00.000000

Adds the agent's summary message (compaction) and `message.search_text`, indexed for
conversation_search: an FTS5 table kept in step by triggers on SQLite, a stored tsvector
with a GIN index on PostgreSQL. The FTS5 table follows `message` rowids: a later migration
that recreates the message table on SQLite must end with
`INSERT INTO message_fts(message_fts) VALUES('rebuild')`.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE message_fts USING fts5(search_text, content='message', "
    "content_rowid='rowid', tokenize='porter unicode61')",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message "
    "WHEN new.search_text IS NOT NULL BEGIN "
    "INSERT INTO message_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message "
    "WHEN old.search_text IS NOT NULL BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, search_text) "
    "VALUES ('delete', old.rowid, old.search_text); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF search_text ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, search_text) "
    "SELECT 'delete', old.rowid, old.search_text WHERE old.search_text IS NOT NULL; "
    "INSERT INTO message_fts(rowid, search_text) "
    "SELECT new.rowid, new.search_text WHERE new.search_text IS NOT NULL; END",
]
# A stored tsvector, so matching and ranking never re-parse the text of every candidate.
POSTGRES_FTS = [
    "ALTER TABLE message ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', coalesce(search_text, ''))) STORED",
    "CREATE INDEX ix_message_search_vector ON message USING gin (search_vector)",
]


def _backfill_search_text() -> None:
    connection = op.get_bind()
    message = sa.table("message", sa.column("id"), sa.column("role"), sa.column("content", sa.JSON))
    rows = connection.execute(sa.select(message).where(message.c.role != "system")).all()
    for row in rows:
        content = row.content if isinstance(row.content, list) else json.loads(row.content)
        text = "\n".join(p.get("text", "") for p in content if p.get("type") == "text")
        connection.execute(
            sa.text("UPDATE message SET search_text = :text WHERE id = :id"),
            {"text": text, "id": row.id},
        )


def upgrade() -> None:
    op.add_column("agent", sa.Column("summary_message_id", sa.String(length=64), nullable=True))
    op.add_column("message", sa.Column("search_text", sa.Text(), nullable=True))
    _backfill_search_text()
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
        op.execute("INSERT INTO message_fts(message_fts) VALUES('rebuild')")
    else:
        for statement in POSTGRES_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("message_fts_insert", "message_fts_delete", "message_fts_update"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE message_fts")
    else:
        op.execute("DROP INDEX ix_message_search_vector")
        op.execute("ALTER TABLE message DROP COLUMN search_vector")
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_column("search_text")
    with op.batch_alter_table("agent") as batch_op:
        batch_op.drop_column("summary_message_id")
