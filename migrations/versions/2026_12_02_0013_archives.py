"""archives

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 19:00:00.000000

Archives as a resource of their own (`archive`), attachable to several agents
(`agent_archive`); passages belong to an archive instead of an agent. Every agent that has
passages gets one archive it owns (`is_owner`), with the agent's embedding model, and its
passages move there with their vectors, tags and rowids. Agents without passages get theirs
when they first store one (services do), so `GET /v1/archives` lists no empty archives.

PostgreSQL alters `archival_passage` in place (the `vector` / `real[]` column and the
generated `search_vector` are untouched). SQLite cannot drop a foreign-key column, so the
table is rebuilt under the same rowids, its tags saved around the rebuild (dropping the old
table cascades to them), and the full-text index rebuilt as migration 0004 asks.

Downgrade gives each passage the agent owning its archive, else the first agent attached;
passages of archives no agent has are deleted (the old schema has nowhere to keep them).
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lettalite.db.base import UTCDateTime, utcnow

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PASSAGE_COLUMNS = "id, text, tags, metadata, embedding_model, embedding, created_at, updated_at"
SQLITE_FTS_TRIGGERS = [
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
# The agent each passage goes back to on downgrade: its archive's owner, else the first attached.
PASSAGE_AGENT = (
    "(SELECT link.agent_id FROM agent_archive link WHERE link.archive_id = p.archive_id "
    "ORDER BY link.is_owner DESC, link.created_at, link.agent_id LIMIT 1)"
)
archive_table = sa.table(
    "archive",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.Text),
    sa.column("embedding", sa.String),
    sa.column("metadata", sa.JSON),
    sa.column("created_at", UTCDateTime),
    sa.column("updated_at", UTCDateTime),
)
link_table = sa.table(
    "agent_archive",
    sa.column("agent_id", sa.String),
    sa.column("archive_id", sa.String),
    sa.column("is_owner", sa.Boolean),
    sa.column("created_at", UTCDateTime),
)


def _create_tables() -> None:
    op.create_table(
        "archive",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("embedding", sa.String(length=255), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive")),
    )
    op.create_index(op.f("ix_archive_name"), "archive", ["name"])
    op.create_table(
        "agent_archive",
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("archive_id", sa.String(length=64), nullable=False),
        sa.Column("is_owner", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
            name=op.f("fk_agent_archive_agent_id_agent"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["archive_id"],
            ["archive.id"],
            name=op.f("fk_agent_archive_archive_id_archive"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "archive_id", name=op.f("pk_agent_archive")),
    )
    op.create_index(op.f("ix_agent_archive_archive_id"), "agent_archive", ["archive_id"])


def _archive_per_agent_with_passages() -> None:
    owners = op.get_bind().execute(
        sa.text(
            "SELECT a.id, a.name, a.embedding FROM agent a WHERE EXISTS "
            "(SELECT 1 FROM archival_passage p WHERE p.agent_id = a.id) ORDER BY a.created_at"
        )
    )
    now = utcnow()
    archives, links = [], []
    for agent_id, agent_name, embedding in owners:
        archive_id = f"archive-{uuid.uuid4()}"
        # The name services give an agent's own archive (agent/archive.py, own_archive_name).
        name = f"Archival memory of {agent_name}"[:255]
        archives.append(
            {
                "id": archive_id,
                "name": name,
                "description": None,
                "embedding": embedding,
                "metadata": {},
                "created_at": now,
                "updated_at": now,
            }
        )
        links.append(
            {"agent_id": agent_id, "archive_id": archive_id, "is_owner": True, "created_at": now}
        )
    if archives:
        op.bulk_insert(archive_table, archives)
        op.bulk_insert(link_table, links)


def _rebuild_sqlite_passages(owner_column: str, owner_value: str, references: str) -> None:
    """Recreate `archival_passage` with `owner_column` (valued by the SQL `owner_value` over
    the old table `p`) in place of the current owner column, keeping rowids, tags and the
    full-text index. Rows whose owner_value is NULL are left behind."""
    op.execute(
        "CREATE TABLE archival_passage_tag_saved AS "
        "SELECT passage_id, tag FROM archival_passage_tag"
    )
    op.execute(
        "CREATE TABLE archival_passage_rebuilt (id VARCHAR(64) NOT NULL, "
        f"{owner_column} VARCHAR(64) NOT NULL, text TEXT NOT NULL, tags JSON NOT NULL, "
        "metadata JSON, embedding_model VARCHAR(255), embedding BLOB, "
        "created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, "
        "CONSTRAINT pk_archival_passage PRIMARY KEY (id), "
        f"CONSTRAINT fk_archival_passage_{owner_column}_{references} FOREIGN KEY({owner_column}) "
        f"REFERENCES {references} (id) ON DELETE CASCADE)"
    )
    op.execute(
        f"INSERT INTO archival_passage_rebuilt (rowid, {owner_column}, {PASSAGE_COLUMNS}) "
        f"SELECT p.rowid, {owner_value}, "
        + ", ".join(f"p.{column.strip()}" for column in PASSAGE_COLUMNS.split(","))
        + f" FROM archival_passage p WHERE {owner_value} IS NOT NULL"
    )
    for suffix in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER archival_passage_fts_{suffix}")
    op.execute("DROP TABLE archival_passage")  # cascades to the tags, saved above
    op.execute("ALTER TABLE archival_passage_rebuilt RENAME TO archival_passage")
    op.execute(
        f"CREATE INDEX ix_archival_passage_{owner_column}_created_at "
        f"ON archival_passage ({owner_column}, created_at)"
    )
    op.execute(
        "INSERT INTO archival_passage_tag (passage_id, tag) SELECT passage_id, tag "
        "FROM archival_passage_tag_saved WHERE passage_id IN (SELECT id FROM archival_passage)"
    )
    op.execute("DROP TABLE archival_passage_tag_saved")
    for statement in SQLITE_FTS_TRIGGERS:
        op.execute(statement)
    op.execute("INSERT INTO archival_passage_fts(archival_passage_fts) VALUES('rebuild')")


def _move_postgres_passages(new: str, new_value: str, references: str, old: str) -> None:
    """`archival_passage.old` replaced by `new` (valued by `new_value` over the table `p`)."""
    op.add_column("archival_passage", sa.Column(new, sa.String(length=64), nullable=True))
    op.execute(f"UPDATE archival_passage p SET {new} = {new_value}")
    op.execute(f"DELETE FROM archival_passage WHERE {new} IS NULL")
    op.alter_column("archival_passage", new, nullable=False)
    op.create_foreign_key(
        op.f(f"fk_archival_passage_{new}_{references}"),
        "archival_passage",
        references,
        [new],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_index(f"ix_archival_passage_{old}_created_at", table_name="archival_passage")
    op.drop_column("archival_passage", old)  # drops its foreign key with it
    op.create_index(
        f"ix_archival_passage_{new}_created_at", "archival_passage", [new, "created_at"]
    )


def upgrade() -> None:
    _create_tables()
    _archive_per_agent_with_passages()
    archive_of_agent = (
        "(SELECT link.archive_id FROM agent_archive link "
        "WHERE link.agent_id = p.agent_id AND link.is_owner)"
    )
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_passages("archive_id", archive_of_agent, "archive")
    else:
        _move_postgres_passages("archive_id", archive_of_agent, "archive", "agent_id")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_passages("agent_id", PASSAGE_AGENT, "agent")
    else:
        _move_postgres_passages("agent_id", PASSAGE_AGENT, "agent", "archive_id")
    op.drop_table("agent_archive")
    op.drop_table("archive")
