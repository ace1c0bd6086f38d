"""The database pool settings are the server's: `--workers 2` shares them out, so one worker
per core does not multiply the connections PostgreSQL must allow. Counted by PostgreSQL."""

import asyncio
import os
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from tests.factories import agent_body
from tests.servers import FakeLLM, LettaliteServer

pytestmark = pytest.mark.skipif(
    os.environ.get("LETTALITE_TEST_DATABASE") != "postgres",
    reason="counts PostgreSQL's connections: runs in the PostgreSQL pass of `make test`",
)
POOL_SIZE, MAX_OVERFLOW = 4, 2  # of the server: per worker 2 + 1


@pytest.fixture(scope="module")
def pooled(
    database_factory, fake_llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LettaliteServer]:
    server = LettaliteServer(
        database_factory(),
        fake_llm.base_url,
        tmp_path_factory.mktemp("pool"),
        extra_env={
            "LETTALITE_DB_POOL_SIZE": str(POOL_SIZE),
            "LETTALITE_DB_MAX_OVERFLOW": str(MAX_OVERFLOW),
        },
        serve_args=("--workers", "2"),
    )
    server.start()
    yield server
    server.stop()


async def _burst(url: str, agent_ids: list[str]) -> list[int]:
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        sends = [
            http.post(f"/v1/agents/{agent_id}/messages", json={"input": "[[sleep 0.3]] hi"})
            for agent_id in agent_ids
        ]
        return [response.status_code for response in await asyncio.gather(*sends)]


async def _connections(database_url: str) -> int:
    name = database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()"
        )
        return await admin.fetchval(query, name)
    finally:
        await admin.close()


def test_two_workers_hold_the_servers_pool_between_them(pooled: LettaliteServer) -> None:
    with httpx.Client(base_url=pooled.url, timeout=60) as http:
        agent_ids = [http.post("/v1/agents/", json=agent_body()).json()["id"] for _ in range(20)]
    statuses = asyncio.run(_burst(pooled.url, agent_ids))
    assert statuses == [200] * len(agent_ids)
    # Each worker keeps its share of the pool open after the burst; none kept more.
    held = asyncio.run(_connections(pooled.database_url))
    assert 2 <= held <= POOL_SIZE, held
