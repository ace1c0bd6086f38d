"""Exit 0 if the PostgreSQL server at the given URL accepts connections, else 1."""

import asyncio
import sys

import asyncpg


async def _check(url: str) -> bool:
    try:
        connection = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(_check(sys.argv[1])) else 1)
