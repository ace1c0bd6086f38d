"""Archival search latency: one archive with many embedded passages.

Vector search (sqlite-vec on SQLite, pgvector on PostgreSQL; exact, no approximate index) and
the full-text search used without an embedding model, each with and without a tag filter.

Usage: python -m bench.archival_search [--passages N] [--dims D] [--database-url URL]
(default: 10,000 passages of 1536 dimensions, text-embedding-3-small's size, in a fresh
SQLite file; pass a PostgreSQL URL of an empty database to measure that).
"""

import argparse
import math
import random
import statistics
import time

from bench.common import WORDS, run_on_database
from lettalite.db import passages as passage_queries
from lettalite.db.models import ArchiveRow, PassageRow, PassageTagRow
from lettalite.db.passages import PassageFilter
from lettalite.db.session import Database
from lettalite.ids import new_id

MODEL = "openai/text-embedding-3-small"
TAGS = ["home", "work", "travel", "health", "money"]


def unit_vector(rng: random.Random, dims: int) -> list[float]:
    vector = [rng.gauss(0, 1) for _ in range(dims)]
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector]


async def fill(database: Database, count: int, dims: int) -> str:
    archive_id = new_id("archive")
    async with database.session() as session:
        session.add(ArchiveRow(id=archive_id, name="bench", embedding=MODEL, metadata_={}))
    rng = random.Random(11)
    for start in range(0, count, 1000):
        async with database.session() as session:
            for _ in range(start, min(start + 1000, count)):
                session.add(
                    PassageRow(
                        id=new_id("passage"),
                        archive_id=archive_id,
                        text=" ".join(rng.choices(WORDS, k=20)),
                        metadata_={},
                        embedding_model=MODEL,
                        embedding=unit_vector(rng, dims),
                        tags=[tag := rng.choice(TAGS)],
                        tag_rows=[PassageTagRow(tag=tag)],
                    )
                )
    return archive_id


async def timed(database: Database, search, rounds: int = 20) -> tuple[float, float, int]:  # noqa: ANN001
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        async with database.session() as session:
            hits = await search(session)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples), len(hits)


async def measure(url: str, count: int, dims: int) -> None:
    database = Database(url)
    started = time.perf_counter()
    archive_id = await fill(database, count, dims)
    print(f"stored {count} passages of {dims} dimensions in {time.perf_counter() - started:.1f} s")
    query = unit_vector(random.Random(3), dims)
    cases = {
        "vector, top 5": (True, PassageFilter()),
        "vector, top 5, tag 'work'": (True, PassageFilter(tags=("work",))),
        "full text 'walnut river', top 5": (False, PassageFilter()),
        "full text 'walnut river', top 5, tag 'work'": (False, PassageFilter(tags=("work",))),
    }
    for name, (by_vector, where) in cases.items():

        async def search(session, by_vector=by_vector, where=where):  # noqa: ANN001, ANN202
            if by_vector:
                return await passage_queries.nearest_passages(
                    session, [archive_id], vector=query, embedding_model=MODEL, where=where, limit=5
                )
            return await passage_queries.matching_passages(
                session, [archive_id], query="walnut river", where=where, limit=5
            )

        p50, worst, hits = await timed(database, search)
        print(f"{name}: p50 {p50:.1f} ms, max {worst:.1f} ms, {hits} hits")
    await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--dims", type=int, default=1536)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    run_on_database(args.database_url, lambda url: measure(url, args.passages, args.dims))


if __name__ == "__main__":
    main()
