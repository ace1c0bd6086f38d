"""The SQLite adapter (db/sqlite_driver.py): one trip to the connection's thread per statement,
and what SQLAlchemy reads from a cursor (rows, counts, errors) is as the driver reported it."""

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.session import Database


def run(path: Path, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    async def in_a_session() -> Any:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            async with database.session() as session:
                await session.execute(text("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY)"))
            async with database.session() as session:
                return await work(session)
        finally:
            await database.dispose()

    return asyncio.run(in_a_session())


def test_each_statement_is_one_trip_to_the_connections_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips: list[str] = []
    queue = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await queue(self, fn, *args, **kwargs)

    async def statements(session: AsyncSession) -> list[str]:
        await session.execute(text("INSERT INTO t VALUES ('a'), ('b')"))
        trips.clear()
        await session.execute(text("SELECT k FROM t"))
        await session.execute(text("UPDATE t SET k = k || '!' WHERE k = 'a'"))
        return list(trips)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    assert run(tmp_path / "t.db", statements) == ["_run", "_run"]


def test_rows_counts_and_returning_are_the_drivers(tmp_path: Path) -> None:
    async def statements(session: AsyncSession) -> tuple[Any, ...]:
        inserted = await session.execute(text("INSERT INTO t VALUES ('a'), ('b') RETURNING k"))
        returned = sorted(inserted.scalars())
        updated = await session.execute(text("UPDATE t SET k = k || '!'"))
        many = await session.execute(text("DELETE FROM t WHERE k = :k"), [{"k": "a!"}, {"k": "x"}])
        rows = (await session.execute(text("SELECT k FROM t ORDER BY k"))).all()
        nothing = (await session.execute(text("SELECT k FROM t WHERE 0"))).all()
        return returned, updated.rowcount, many.rowcount, rows, nothing

    returned, updated, deleted, rows, nothing = run(tmp_path / "t.db", statements)
    assert returned == ["a", "b"]
    assert (updated, deleted) == (2, 1)
    assert [tuple(row) for row in rows] == [("b!",)] and nothing == []


def test_driver_errors_are_sqlalchemys_and_the_connection_goes_on(tmp_path: Path) -> None:
    async def statements(session: AsyncSession) -> list[str]:
        await session.execute(text("INSERT INTO t VALUES ('a')"))
        caught = []
        for statement, error in [
            ("INSERT INTO t VALUES ('a')", IntegrityError),
            ("SELECT nonsense FROM t", OperationalError),
        ]:
            try:
                async with session.begin_nested():
                    await session.execute(text(statement))
            except error:
                caught.append(error.__name__)
        caught += (await session.execute(text("SELECT k FROM t"))).scalars().all()
        return caught

    assert run(tmp_path / "t.db", statements) == ["IntegrityError", "OperationalError", "a"]
