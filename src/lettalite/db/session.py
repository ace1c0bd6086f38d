"""Engine and session factory. One `Database` per process, created by the app's lifespan."""

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.interfaces import ORMOption
from sqlalchemy.pool import PoolResetState

from lettalite.db.base import json_text
from lettalite.db.sqlite_driver import one_trip_dbapi
from lettalite.db.vectors import (
    RANKS_IN_PYTHON,
    install_sqlite_vector_functions,
    pgvector_warning,
)
from lettalite.errors import ConcurrentEdit, Conflict, NotFound

Row = TypeVar("Row")
# Statements run for the current request and the tasks it started (a turn), when a request
# asks to count them (Server-Timing: see api/messages.py); bench/ reports them.
statement_count: ContextVar[list[int] | None] = ContextVar("statement_count", default=None)


def _count_statement(*_args: Any) -> None:
    counter = statement_count.get()
    if counter is not None:
        counter[0] += 1


def _rollback_if_open(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
    """A connection going back to the pool is rolled back only if a transaction is still open
    on it (the pool's own reset rolls back every time: one more trip to aiosqlite's thread per
    transaction, after nearly every COMMIT)."""
    if state.asyncio_safe and dbapi_connection.driver_connection.in_transaction:
        dbapi_connection.rollback()


def _begin_before_savepoint(connection: Connection, _name: str) -> None:
    """Python's sqlite3 opens a transaction only before INSERT, UPDATE or DELETE. A SAVEPOINT
    sent first opens one of its own, and its RELEASE then commits it: the session's writes
    up to there would land on their own, before its COMMIT (and other writers could come in
    between). So the transaction is opened before the first savepoint."""
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


class Database:
    def __init__(self, url: str, *, pool_size: int = 5, max_overflow: int = 10) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        driver = {"module": one_trip_dbapi()} if parsed.get_driver_name() == "aiosqlite" else {}
        self.engine = create_async_engine(
            url,
            # Checking a pooled connection before use lets the server ride out a database
            # restart: a dead connection is replaced instead of failing the request.
            pool_pre_ping=not self.is_sqlite,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_reset_on_return=None if self.is_sqlite else "rollback",
            json_serializer=json_text,
            **driver,
        )
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "reset", _rollback_if_open)
            event.listen(self.engine.sync_engine, "connect", self._configure_sqlite)
            event.listen(self.engine.sync_engine, "savepoint", _begin_before_savepoint)
        event.listen(self.engine.sync_engine, "before_cursor_execute", _count_statement)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Why archival vector search runs in Python here, if it does (see db/vectors.py).
        self.vector_search_warning: str | None = None

    def _configure_sqlite(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # Foreign keys give ON DELETE CASCADE; WAL lets readers run beside the one writer.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        self.vector_search_warning = install_sqlite_vector_functions(dbapi_connection)

    async def prepare_vector_search(self) -> str | None:
        """Find out how this database ranks archival vectors (on PostgreSQL, moving them into
        pgvector if the server has gained it); the warning to show when Python does it."""
        async with self.engine.begin() as connection:  # on SQLite, runs _configure_sqlite
            if not self.is_sqlite:
                self.vector_search_warning = await pgvector_warning(connection)
                self.sessions.configure(
                    info={RANKS_IN_PYTHON: self.vector_search_warning is not None}
                )
        return self.vector_search_warning

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


async def get_or_404(
    session: AsyncSession,
    model: type[Row],
    row_id: str,
    kind: str,
    options: Sequence[ORMOption] = (),
) -> Row:
    """The row with this primary key, or NotFound("<kind> <id> not found")."""
    row = await session.get(model, row_id, options=options)
    if row is None:
        raise NotFound(f"{kind} {row_id} not found")
    return row


async def ids_with_tags(
    session: AsyncSession,
    id_column: InstrumentedAttribute[str],
    tags_column: InstrumentedAttribute[list[Any] | None],
    matches: Callable[[list[Any]], bool],
) -> list[str]:
    """The ids of the rows whose tags (a JSON list: no SQL reads it on both backends) match;
    a listing filters on them in SQL, so paging stays there."""
    rows = await session.execute(select(id_column, tags_column).where(tags_column.is_not(None)))
    return [row_id for row_id, tags in rows if matches(tags)]


@contextmanager
def conflicts_reported() -> Iterator[None]:
    """Constraint and concurrent-edit failures of the writes within, reported as conflicts."""
    try:
        yield
    except IntegrityError as error:
        raise Conflict("The change conflicts with existing data (a duplicate label?)") from error
    except StaleDataError as error:
        raise ConcurrentEdit("A block was changed by another writer at the same time") from error


async def flush(session: AsyncSession) -> None:
    """Flush pending writes, reporting constraint and concurrent-edit failures as conflicts."""
    with conflicts_reported():
        await session.flush()
