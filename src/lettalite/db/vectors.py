"""Embedding vectors in the database: pgvector on PostgreSQL, sqlite-vec on SQLite.

Both sides store float32 vectors of any length (the embedding model decides) and rank by
cosine distance in SQL. Vectors of different models are never compared: queries filter on
the model that produced them first.
"""

import functools
import logging
import math
import operator
import sqlite3
import struct
from typing import Any

from sqlalchemy import Float, LargeBinary, bindparam, func
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

logger = logging.getLogger(__name__)
SQLITE_DISTANCE_FUNCTION = "vec_distance_cosine"


class _PgVector(UserDefinedType[list[float]]):
    """pgvector's `vector` without a fixed dimension; values travel in its text form."""

    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:
        return "vector"


class Vector(TypeDecorator[list[float]]):
    """A list of floats: `vector` on PostgreSQL, a little-endian float32 BLOB on SQLite
    (the layout sqlite-vec reads)."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PgVector())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: list[float] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return "[" + ",".join(repr(float(x)) for x in value) + "]"
        return struct.pack(f"<{len(value)}f", *value)

    def process_result_value(self, value: Any, dialect: Dialect) -> list[float] | None:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return [float(x) for x in value.strip("[]").split(",")] if value != "[]" else []
        return list(struct.unpack(f"<{len(value) // 4}f", value))


def cosine_distance(column: Any, vector: list[float], dialect: str) -> ColumnElement[float]:
    """1 - cosine similarity between a stored vector column and `vector` (0 = same direction)."""
    value = bindparam(None, vector, type_=Vector())
    if dialect == "postgresql":
        return column.op("<=>", return_type=Float)(value)
    return getattr(func, SQLITE_DISTANCE_FUNCTION)(column, value, type_=Float)


def blob_cosine_distance(left: bytes | None, right: bytes | None) -> float | None:
    """sqlite-vec's vec_distance_cosine in Python, for a sqlite3 that cannot load extensions."""
    if left is None or right is None:
        return None
    if len(left) != len(right):
        raise ValueError("vectors of different dimensions cannot be compared")
    a = struct.unpack(f"<{len(left) // 4}f", left)
    b = struct.unpack(f"<{len(right) // 4}f", right)
    dot = sum(map(operator.mul, a, b))
    norms = math.sqrt(sum(map(operator.mul, a, a))) * math.sqrt(sum(map(operator.mul, b, b)))
    return 1.0 - dot / norms if norms else None


def install_sqlite_vector_functions(dbapi_connection: Any) -> None:
    """Make `vec_distance_cosine` available on a new aiosqlite connection.

    sqlite-vec when this Python's sqlite3 can load extensions (most distributions' Pythons
    can; pyenv builds without --enable-loadable-sqlite-extensions cannot), otherwise the
    same function written in Python.
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
        _warn_python_fallback(str(error))


def _load_extension(dbapi_connection: Any, path: str) -> None:
    dbapi_connection.run_async(lambda c: c.enable_load_extension(True))
    try:
        dbapi_connection.run_async(lambda c: c.load_extension(path))
    finally:
        dbapi_connection.run_async(lambda c: c.enable_load_extension(False))


@functools.cache  # once per process, not once per connection
def _warn_python_fallback(reason: str) -> None:
    logger.warning(
        "sqlite-vec could not be loaded (%s): archival vector search computes distances in "
        "Python, correct but slower on large archives. A Python whose sqlite3 can load "
        "extensions (built with --enable-loadable-sqlite-extensions) avoids this.",
        reason,
    )
