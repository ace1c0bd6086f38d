"""A session's writes on SQLite land at its COMMIT, all together, savepoints or not."""

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from lettalite.db.session import Database


def committed_value(path: Path) -> str:
    with sqlite3.connect(path) as other:
        return other.execute("SELECT v FROM t").fetchone()[0]


async def write_through_a_savepoint(path: Path, *, fail: bool) -> str:
    """Read, then write inside a savepoint (as a block edit does); what another connection
    sees before the session commits."""
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with database.session() as session:
            await session.execute(text("SELECT v FROM t"))
            async with session.begin_nested():
                await session.execute(text("UPDATE t SET v = 'new'"))
            seen_meanwhile = committed_value(path)
            if fail:
                raise RuntimeError("the rest of the transaction failed")
        return seen_meanwhile
    finally:
        await database.dispose()


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (v TEXT)")
        connection.execute("INSERT INTO t VALUES ('old')")
    return path


def test_a_released_savepoint_is_not_committed_before_the_session(table: Path) -> None:
    assert asyncio.run(write_through_a_savepoint(table, fail=False)) == "old"
    assert committed_value(table) == "new"


def test_a_failed_session_keeps_nothing_its_savepoint_wrote(table: Path) -> None:
    with pytest.raises(RuntimeError):
        asyncio.run(write_through_a_savepoint(table, fail=True))
    assert committed_value(table) == "old"


def write_behind_sqlalchemys_back(connection: Connection) -> None:
    connection.connection.cursor().execute("UPDATE t SET v = 'uncommitted'")


async def leave_a_write_open(path: Path) -> tuple[bool, str]:
    """Write on a pooled connection where SQLAlchemy does not see it begin a transaction, and
    give the connection back; then whether it comes back out of that transaction, and what is
    stored."""
    database = Database(f"sqlite+aiosqlite:///{path}", pool_size=1, max_overflow=0)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(write_behind_sqlalchemys_back)
        async with database.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            in_transaction = raw.driver_connection.in_transaction
        return in_transaction, committed_value(path)
    finally:
        await database.dispose()


def test_a_connection_given_back_mid_transaction_is_rolled_back(table: Path) -> None:
    assert asyncio.run(leave_a_write_open(table)) == (False, "old")
