"""Embedding vectors in the database: pgvector on PostgreSQL, sqlite-vec on SQLite.

Both sides store float32 vectors of any length (the embedding model decides) and rank by
cosine distance in SQL. Vectors of different models are never compared: queries filter on
the model that produced them first.

Two fallbacks compute the same distances in Python, correct but slower on large archives: a
sqlite3 module that cannot load extensions gets `vec_distance_cosine` as a Python function,
and a PostgreSQL database without pgvector keeps its vectors in a `real[]` column, which
lettalite ranks itself (sessions say so in `info[RANKS_IN_PYTHON]`). Once the server offers
pgvector, the next start moves that column into it.
"""

import logging
import math
import operator
import sqlite3
import struct
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, LargeBinary, bindparam, cast, func, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

logger = logging.getLogger(__name__)
SQLITE_DISTANCE_FUNCTION = "vec_distance_cosine"
# Set in a session's `info` when the database cannot rank vectors (PostgreSQL without pgvector).
RANKS_IN_PYTHON = "lettalite.vectors_ranked_in_python"
# Serializes the move into pgvector between server processes starting together.
PGVECTOR_MOVE_LOCK = 0x6C6C_7076  # "llpv"
EMBEDDING_COLUMN_TYPE = text(
    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
    "WHERE attrelid = to_regclass('archival_passage') AND attname = 'embedding'"
)
# Tables with an `embedding` column; migrations give them all the type archival_passage has.
VECTOR_TABLES = ("archival_passage", "file_passage")
PGVECTOR_AVAILABLE = text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")


class _PgVector(UserDefinedType[list[float]]):
    """pgvector's `vector` without a fixed dimension."""

    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:
        return "vector"


class _FloatArray(UserDefinedType[list[float]]):
    """`real[]`: how vectors travel to PostgreSQL (a `vector` column takes it by assignment
    cast), and where they are kept when the server has no pgvector."""

    cache_ok = True
    render_bind_cast = True

    def get_col_spec(self, **_: Any) -> str:
        return "real[]"


class Vector(TypeDecorator[list[float]]):
    """A list of floats: a float32 array on PostgreSQL (in a `vector` or `real[]` column), a
    little-endian float32 BLOB on SQLite (the layout sqlite-vec reads)."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_FloatArray())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: list[float] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return [float(x) for x in value]
        return struct.pack(f"<{len(value)}f", *value)

    def process_result_value(self, value: Any, dialect: Dialect) -> list[float] | None:
        if value is None:
            return None
        if dialect.name != "postgresql":
            return list(struct.unpack(f"<{len(value) // 4}f", value))
        if isinstance(value, str):  # a `vector` column answers in pgvector's text form
            return [float(x) for x in value.strip("[]").split(",")] if value != "[]" else []
        return list(value)


def cosine_distance(column: Any, vector: list[float], dialect: str) -> ColumnElement[float]:
    """1 - cosine similarity between a stored vector column and `vector` (0 = same direction)."""
    value = bindparam(None, vector, type_=Vector())
    if dialect == "postgresql":
        return column.op("<=>", return_type=Float)(cast(value, _PgVector()))
    return getattr(func, SQLITE_DISTANCE_FUNCTION)(column, value, type_=Float)


def python_cosine_distance(a: Sequence[float], b: Sequence[float]) -> float | None:
    """The same distance in Python; None when either vector has no direction (all zeros)."""
    if len(a) != len(b):
        raise ValueError("vectors of different dimensions cannot be compared")
    dot = sum(map(operator.mul, a, b))
    norms = math.sqrt(sum(map(operator.mul, a, a))) * math.sqrt(sum(map(operator.mul, b, b)))
    return 1.0 - dot / norms if norms else None


def blob_cosine_distance(left: bytes | None, right: bytes | None) -> float | None:
    """sqlite-vec's vec_distance_cosine in Python, for a sqlite3 that cannot load extensions."""
    if left is None or right is None:
        return None
    if len(left) != len(right):
        raise ValueError("vectors of different dimensions cannot be compared")
    return python_cosine_distance(
        struct.unpack(f"<{len(left) // 4}f", left), struct.unpack(f"<{len(right) // 4}f", right)
    )


def install_sqlite_vector_functions(dbapi_connection: Any) -> str | None:
    """Make `vec_distance_cosine` available on a new aiosqlite connection.

    sqlite-vec when this Python's sqlite3 can load extensions (most distributions' Pythons
    can; pyenv builds without --enable-loadable-sqlite-extensions cannot), otherwise the
    same function written in Python; then returns the warning to show about it.
    """
    import sqlite_vec

    try:
        _load_extension(dbapi_connection, sqlite_vec.loadable_path())
    except (AttributeError, sqlite3.Error) as error:  # AttributeError: no extension support
        dbapi_connection.run_async(
            lambda c: c.create_function(
                SQLITE_DISTANCE_FUNCTION, 2, blob_cosine_distance, deterministic=True
            )
        )
        return (
            f"sqlite-vec could not be loaded ({error}): archival vector search computes "
            "distances in Python, correct but slower on large archives. A Python whose sqlite3 "
            "can load extensions (built with --enable-loadable-sqlite-extensions) avoids this."
        )
    return None


def _load_extension(dbapi_connection: Any, path: str) -> None:
    dbapi_connection.run_async(lambda c: c.enable_load_extension(True))
    try:
        dbapi_connection.run_async(lambda c: c.load_extension(path))
    finally:
        dbapi_connection.run_async(lambda c: c.enable_load_extension(False))


async def pgvector_warning(connection: AsyncConnection) -> str | None:
    """Why this PostgreSQL database ranks archival vectors in Python, or None when pgvector
    does (or there is no archive table yet).

    A database migrated on a server without pgvector keeps its vectors in a `real[]` column.
    When the server offers pgvector now, this creates the extension and converts the column
    in place (the same float32 values), in the caller's transaction.
    """
    if await connection.scalar(EMBEDDING_COLUMN_TYPE) != "real[]":
        return None
    reason = await _move_into_pgvector(connection)
    if reason is None:
        logger.info("pgvector is available now: archival vectors moved into it")
        return None
    return (
        f"This PostgreSQL database has no pgvector: {reason}. Until it has, archival vector "
        "search computes cosine distances in Python, correct but slower on large archives; "
        "restart lettalite then, and it moves the stored vectors into pgvector."
    )


async def _move_into_pgvector(connection: AsyncConnection) -> str | None:
    """Convert the `real[]` embedding column to pgvector's `vector`; why not, if it cannot."""
    if not await connection.scalar(PGVECTOR_AVAILABLE):
        return (
            "the server does not offer the extension; install it on the server "
            "(scripts/install-pgvector does on Debian)"
        )
    lock = text("SELECT pg_advisory_xact_lock(:key)")
    await connection.execute(lock, {"key": PGVECTOR_MOVE_LOCK})
    if await connection.scalar(EMBEDDING_COLUMN_TYPE) != "real[]":
        return None  # another process moved it meanwhile
    try:
        async with connection.begin_nested():
            await connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
            for table in VECTOR_TABLES:
                await connection.execute(
                    text(
                        f"ALTER TABLE {table} ALTER COLUMN embedding TYPE vector "
                        "USING embedding::vector"
                    )
                )
    except DBAPIError as error:
        return (
            f"enabling it failed ({error.orig}); a superuser can run "
            "CREATE EXTENSION vector in this database"
        )
    return None
