"""Exit 0 if the PostgreSQL server at the given URL can run the suite, else say why and exit 1.

It must accept connections and offer the pgvector extension (the suite tests archival search
with it; `make test-postgres-without-pgvector` tests it without, on a server of its own).
"""

import asyncio
import sys

import asyncpg


async def _problem(url: str) -> str | None:
    try:
        connection = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"not reachable ({type(error).__name__})"
    try:
        vector = await connection.fetchval(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'"
        )
    finally:
        await connection.close()
    if not vector:
        return "reachable, but it lacks the pgvector extension: run scripts/install-pgvector"
    return None


if __name__ == "__main__":
    problem = asyncio.run(_problem(sys.argv[1]))
    if problem is not None:
        print(f"PostgreSQL at {sys.argv[1]}: {problem}", file=sys.stderr)
    sys.exit(0 if problem is None else 1)
