"""conversation_search latency over a large history: 100k stored messages, one agent.

Usage: python -m bench.recall_search [--messages N] [--database-url URL]
(default: a fresh SQLite file; pass a PostgreSQL URL of an empty database to measure that).
"""

import argparse
import random
import statistics
import time

from bench.common import WORDS, add_agent, run_on_database
from lettalite.db import messages as message_queries
from lettalite.db.base import utcnow
from lettalite.db.models import MessageRow
from lettalite.db.session import Database
from lettalite.ids import new_id

QUERIES = ["walnut", "river garden", "secret code", "zephyr orbit lemon", "nothing-matches"]


async def fill(database: Database, count: int) -> str:
    agent_id = await add_agent(database, next_sequence=count + 1)
    rng = random.Random(7)
    for start in range(0, count, 5000):
        async with database.session() as session:
            rows = []
            for sequence in range(start + 1, min(start + 5001, count + 1)):
                text = " ".join(rng.choices(WORDS, k=12))
                if sequence == 3:
                    text = "my secret code is walnut"
                rows.append(
                    MessageRow(
                        id=new_id("message"),
                        agent_id=agent_id,
                        sequence=sequence,
                        role=rng.choice(("user", "assistant")),
                        content=[{"type": "text", "text": text}],
                        search_text=text,
                        created_at=utcnow(),
                    )
                )
            session.add_all(rows)
    return agent_id


async def measure(url: str, count: int) -> None:
    database = Database(url)
    started = time.perf_counter()
    agent_id = await fill(database, count)
    print(f"stored {count} messages in {time.perf_counter() - started:.1f} s")
    for query in QUERIES:
        samples = []
        for _ in range(20):
            started = time.perf_counter()
            async with database.session() as session:
                hits = await message_queries.search_messages(
                    session, agent_id, query=query, roles=None, limit=5, start=None, end=None
                )
            samples.append((time.perf_counter() - started) * 1000)
        print(
            f"search {query!r}: p50 {statistics.median(samples):.1f} ms, "
            f"max {max(samples):.1f} ms, {len(hits)} hits"
        )
    await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    run_on_database(args.database_url, lambda url: measure(url, args.messages))


if __name__ == "__main__":
    main()
