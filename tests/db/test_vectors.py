"""Vector storage and cosine distance: pgvector, sqlite-vec and the Python fallback agree."""

import asyncio
import math
import sqlite3
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from letta_client import Letta
from sqlalchemy import Column, Integer, MetaData, Table, select, text

from lettalite.db import passages
from lettalite.db import session as db_session
from lettalite.db.session import Database
from lettalite.db.vectors import (
    RANKS_IN_PYTHON,
    Vector,
    blob_cosine_distance,
    cosine_distance,
    install_sqlite_vector_functions,
)
from tests.factories import create_seed_agent
from tests.fake_llm.embeddings import embed
from tests.servers import LettaliteServer

VECTORS = {1: [1.0, 0.0, 0.0], 2: [0.6, 0.8, 0.0], 3: [-1.0, 0.5, 0.25], 4: [0.9, 0.1, 0.0]}
QUERY = [1.0, 0.2, 0.0]


def python_cosine_distance(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return 1 - dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


async def _ranked(database_url: str) -> tuple[list[int], list[float], list[list[float]]]:
    database = Database(database_url)
    table = Table(
        "vectors", MetaData(), Column("id", Integer, primary_key=True), Column("v", Vector())
    )
    try:
        async with database.engine.begin() as connection:
            if database.is_sqlite:
                await connection.run_sync(table.metadata.create_all)
            else:  # as migration 0004 makes it where the server has pgvector
                await connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
                await connection.execute(
                    text("CREATE TABLE vectors (id integer PRIMARY KEY, v vector)")
                )
            await connection.execute(
                table.insert(), [{"id": i, "v": v} for i, v in VECTORS.items()]
            )
            distance = cosine_distance(table.c.v, QUERY, connection.dialect.name)
            rows = (
                await connection.execute(select(table.c.id, distance, table.c.v).order_by(distance))
            ).all()
    finally:
        await database.dispose()
    return [row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows]


def test_the_database_ranks_by_cosine_distance(database_factory) -> None:
    ids, distances, stored = asyncio.run(_ranked(database_factory()))
    expected = sorted(VECTORS, key=lambda i: python_cosine_distance(VECTORS[i], QUERY))
    assert ids == expected
    for vector_id, distance, vector in zip(ids, distances, stored, strict=True):
        assert distance == pytest.approx(
            python_cosine_distance(VECTORS[vector_id], QUERY), abs=1e-6
        )
        assert vector == pytest.approx(VECTORS[vector_id])  # float32 round trip


async def _sqlite_functions(path: Path) -> tuple[str | None, float]:
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with database.engine.connect() as connection:
            try:
                version = (await connection.execute(text("SELECT vec_version()"))).scalar_one()
            except Exception:
                version = None
            pack = struct.Struct("<3f").pack
            distance = await connection.execute(
                text("SELECT vec_distance_cosine(:a, :b)"),
                {"a": pack(*QUERY), "b": pack(*VECTORS[2])},
            )
            return version, distance.scalar_one()
    finally:
        await database.dispose()


def test_sqlite_uses_sqlite_vec_when_python_can_load_it(tmp_path: Path) -> None:
    version, distance = asyncio.run(_sqlite_functions(tmp_path / "vec.db"))
    can_load = hasattr(sqlite3.connect(":memory:"), "enable_load_extension")
    # `make` builds the venv from a Python that can (see PYTHON in the Makefile).
    assert (version is not None) == can_load
    if can_load:
        assert version == "v0.1.9"
    assert distance == pytest.approx(python_cosine_distance(QUERY, VECTORS[2]), abs=1e-6)


@st.composite
def vector_pairs(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    size = draw(st.integers(1, 16))
    # Whole numbers: exact in float32, and no underflow to a zero norm.
    component = st.integers(-1000, 1000).map(float)
    vector = st.lists(component, min_size=size, max_size=size)
    return draw(vector), draw(vector)


@given(vector_pairs())
def test_python_fallback_matches_the_cosine_formula(pair: tuple[list[float], list[float]]) -> None:
    a, b = pair
    distance = blob_cosine_distance(*(struct.pack(f"<{len(v)}f", *v) for v in pair))
    if not any(a) or not any(b):
        assert distance is None  # no direction to compare
    else:
        assert distance == pytest.approx(python_cosine_distance(a, b), abs=1e-9)


def test_python_fallback_refuses_mixed_dimensions() -> None:
    with pytest.raises(ValueError, match="different dimensions"):
        blob_cosine_distance(struct.pack("<2f", 1, 2), struct.pack("<3f", 1, 2, 3))


class WithoutExtensionLoading:
    """Stands in for SQLAlchemy's adapter over aiosqlite, on a sqlite3 module built without
    extension loading (as pyenv builds are): `enable_load_extension` does not exist."""

    def __init__(self) -> None:
        self.connection = sqlite3.connect(":memory:")

    def run_async(self, call):  # noqa: ANN001, ANN201
        return asyncio.run(call(self))

    async def enable_load_extension(self, enabled: bool) -> None:
        raise AttributeError("'sqlite3.Connection' object has no attribute 'enable_load_extension'")

    async def create_function(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self.connection.create_function(*args, **kwargs)


def test_without_extension_loading_the_python_function_is_installed() -> None:
    stand_in = WithoutExtensionLoading()
    warning = install_sqlite_vector_functions(stand_in)
    pack = struct.Struct("<3f").pack
    (distance,) = stand_in.connection.execute(
        "SELECT vec_distance_cosine(?, ?)", (pack(*QUERY), pack(*VECTORS[3]))
    ).fetchone()
    assert distance == pytest.approx(python_cosine_distance(QUERY, VECTORS[3]), abs=1e-6)
    assert warning is not None
    assert warning.startswith("sqlite-vec could not be loaded ('sqlite3.Connection' object has")
    assert "computes distances in Python" in warning


async def _prepare(database: Database) -> str | None:
    try:
        return await database.prepare_vector_search()
    finally:
        await database.dispose()


def test_the_sqlite_fallback_warning_is_the_databases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the server logs at startup and lists in /v1/health/ (see the PostgreSQL twin in
    tests/without_pgvector)."""
    can_load = asyncio.run(_prepare(Database(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")))
    assert (can_load is None) == hasattr(sqlite3.connect(":memory:"), "enable_load_extension")
    monkeypatch.setattr(db_session, "install_sqlite_vector_functions", lambda _: "no sqlite-vec")
    assert asyncio.run(_prepare(Database(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"))) == (
        "no sqlite-vec"
    )


EMBEDDING = "openai/text-embedding-3-small"
# Distinct distances to RANKED_QUERY, and a repeated text: equally near, the newer one first.
RANKED_TEXTS = [
    "Cameron keeps bees on the roof of the old bakery",
    "The bakery sells rye bread",
    "Cameron's sister plays the cello in an orchestra",
    "Bees swarm in early summer",
    "The roof of the bakery leaks",
    "Old bees sleep on the roof",
    "the bakery roof",
    "The bakery sells rye bread",
]
RANKED_QUERY = "bees on the bakery roof"


async def _nearest(
    database_url: str, archive_id: str, *, in_python: bool
) -> list[tuple[str, float | None]]:
    database = Database(database_url)
    database.sessions.configure(info={RANKS_IN_PYTHON: in_python})
    try:
        async with database.session() as session:
            nearest = await passages.nearest_passages(
                session,
                [archive_id],
                vector=embed(RANKED_QUERY),
                embedding_model=EMBEDDING,
                where=passages.PassageFilter(),
                limit=6,
            )
    finally:
        await database.dispose()
    return [(passage.id, distance) for passage, distance in nearest]


def test_python_ranking_in_batches_orders_as_the_database_does(
    client: Letta, server: LettaliteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = create_seed_agent(client, embedding=EMBEDDING)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    stored = [
        client.agents.passages.create(agent.id, text=text, created_at=start + timedelta(days=i))[0]
        for i, text in enumerate(RANKED_TEXTS)
    ]
    query = embed(RANKED_QUERY)
    by_distance = sorted(
        reversed(stored), key=lambda p: python_cosine_distance(embed(p.text), query)
    )  # stable: among equals, the newer (inserted later) first
    expected = [passage.id for passage in by_distance[:6]]
    assert by_distance[4].text == by_distance[5].text  # the tie is inside the top 6
    archive_id = stored[0].archive_id
    in_database = asyncio.run(_nearest(server.database_url, archive_id, in_python=False))
    assert [passage_id for passage_id, _ in in_database] == expected
    monkeypatch.setattr(passages, "PYTHON_RANKING_BATCH", 3)  # the top 6 spans batches
    in_python = asyncio.run(_nearest(server.database_url, archive_id, in_python=True))
    assert [passage_id for passage_id, _ in in_python] == expected
    # Both report the same distances (float32 vectors either way).
    for (_, database_distance), (_, python_distance) in zip(in_database, in_python, strict=True):
        assert database_distance == pytest.approx(python_distance, abs=1e-5)
