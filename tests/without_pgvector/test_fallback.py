"""lettalite on PostgreSQL servers without pgvector (tests/postgres_cluster.py): it starts,
warns once at startup and in /v1/health/, keeps passages' vectors in a `real[]` column and
ranks them in Python, and moves them into pgvector once the server gains it.

This directory runs only with `LETTALITE_TEST_DATABASE=postgres-without-pgvector`, the backend
under which the Makefile also runs tests/api/test_archival.py,
tests/agent/test_archival_tools.py and tests/test_migrations.py.
"""

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from letta_client import Letta

from tests.factories import call_directive as call
from tests.factories import create_seed_agent
from tests.fake_llm.embeddings import embed
from tests.postgres_cluster import ThrowawayPostgres
from tests.sdk.scripts import SDK0_PYTHON, SDK_DIR, run_script
from tests.servers import FakeLLM, LettaliteServer, create_postgres_database

EMBEDDING = "openai/text-embedding-3-small"
FACTS = [
    "Cameron keeps bees on the roof of the old bakery",
    "The quarterly budget review happens every March",
    "Cameron's sister plays the cello in an orchestra",
]
QUERIES = ["who keeps bees", "budget review in March", "xylophone zeppelin", "sister"]
NO_PGVECTOR = "This PostgreSQL database has no pgvector"
SDK0_HEALTH = (
    "import sys, letta_client; print(letta_client.Letta(base_url=sys.argv[1]).health.check())"
)


def sdk(server: LettaliteServer) -> Letta:
    return Letta(base_url=server.url, _strict_response_validation=True, max_retries=0)


def health_warnings(server: LettaliteServer) -> list[str]:
    health = httpx.get(f"{server.url}/v1/health/").json()
    assert health["status"] == "ok"
    return health["warnings"]


async def _query(database_url: str, statement: str) -> list[asyncpg.Record]:
    url = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetch(statement)
    finally:
        await connection.close()


def embedding_column_type(database_url: str) -> str:
    [row] = asyncio.run(
        _query(
            database_url,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'archival_passage'::regclass AND attname = 'embedding'",
        )
    )
    return row[0]


def stored_vectors(database_url: str) -> dict[str, list[float]]:
    rows = asyncio.run(_query(database_url, "SELECT id, embedding::real[] FROM archival_passage"))
    return {row[0]: row[1] for row in rows}


def search_texts(client: Letta, agent_id: str, query: str, top_k: int = 3) -> list[str]:
    return [
        r.content for r in client.agents.passages.search(agent_id, query=query, top_k=top_k).results
    ]


def test_the_server_warns_once_at_startup_and_in_health(start_server) -> None:
    server = start_server()
    client = sdk(server)
    agent = create_seed_agent(client, embedding=EMBEDDING)
    client.agents.passages.create(agent.id, text=FACTS[0])
    assert search_texts(client, agent.id, "bees") == [FACTS[0]]
    assert server.log.read_text().count(NO_PGVECTOR) == 1
    [warning] = health_warnings(server)
    assert warning.startswith(f"{NO_PGVECTOR}: the server does not offer the extension")
    assert "computes cosine distances in Python" in warning
    # The SDKs' health models take the extra field, strict validation included.
    assert client.health().status == "ok"
    assert (
        "status='ok'" in run_script([str(SDK0_PYTHON), "-c", SDK0_HEALTH, server.url], SDK_DIR)[0]
    )


def test_passages_keep_their_vectors_in_a_real_array(
    client: Letta, server: LettaliteServer
) -> None:
    agent = create_seed_agent(client, embedding=EMBEDDING)
    [passage] = client.agents.passages.create(agent.id, text=FACTS[2], tags=["family"])
    assert embedding_column_type(server.database_url) == "real[]"
    assert stored_vectors(server.database_url)[passage.id] == pytest.approx(embed(FACTS[2]))


def test_vector_search_ranks_in_python_and_text_search_still_works(client: Letta) -> None:
    with_vectors = create_seed_agent(client, embedding=EMBEDDING)
    words_only = create_seed_agent(client)
    for text in FACTS:
        client.agents.passages.create(with_vectors.id, text=text)
        client.agents.passages.create(words_only.id, text=text)
    # Nearest by cosine distance even without a shared word; full text needs one.
    assert len(search_texts(client, with_vectors.id, "xylophone zeppelin", top_k=2)) == 2
    assert search_texts(client, words_only.id, "xylophone zeppelin") == []
    assert search_texts(client, with_vectors.id, "sister cello")[0] == FACTS[2]
    assert search_texts(client, words_only.id, "sister cello") == [FACTS[2]]


def test_the_model_uses_archival_tools(client: Letta, fake_llm: FakeLLM) -> None:
    agent = create_seed_agent(
        client, embedding=EMBEDDING, tools=["archival_memory_insert", "archival_memory_search"]
    )
    for fact in FACTS:
        client.agents.messages.create(
            agent_id=agent.id, input=call("archival_memory_insert", content=fact)
        )
    response = client.agents.messages.create(
        agent_id=agent.id, input=call("archival_memory_search", query="cello player", top_k=1)
    )
    [result] = [m for m in response.messages if m.message_type == "tool_return_message"]
    assert result.status == "success"
    assert [hit["content"] for hit in json.loads(result.tool_return)] == [FACTS[2]]


@pytest.fixture
def lettalite_on(fake_llm: FakeLLM, tmp_path: Path) -> Iterator:
    started: list[LettaliteServer] = []

    def start(database_url: str) -> LettaliteServer:
        server = LettaliteServer(database_url, fake_llm.base_url, tmp_path / uuid.uuid4().hex)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


def archive_facts(client: Letta) -> str:
    agent = create_seed_agent(client, embedding=EMBEDDING)
    for text in [*FACTS, FACTS[0]]:  # a duplicate: equally near, the newer one first
        client.agents.passages.create(agent.id, text=text)
    return agent.id


def test_a_server_that_gains_pgvector_moves_the_vectors_into_it(
    cluster: ThrowawayPostgres, lettalite_on
) -> None:
    _, url = create_postgres_database(cluster.admin_url)
    server = lettalite_on(url)
    agent_id = archive_facts(sdk(server))
    ranked_in_python = {q: search_texts(sdk(server), agent_id, q, top_k=4) for q in QUERIES}
    vectors = stored_vectors(url)
    server.stop()

    cluster.install_pgvector()
    server.start()
    assert health_warnings(server) == []
    assert embedding_column_type(url) == "vector"
    assert stored_vectors(url) == vectors  # the same float32 values
    client = sdk(server)
    assert {q: search_texts(client, agent_id, q, top_k=4) for q in QUERIES} == ranked_in_python
    client.agents.passages.create(agent_id, text="The orchestra rehearses on Thursdays")
    assert search_texts(client, agent_id, "orchestra rehearses")[0].startswith("The orchestra")


def test_a_database_that_may_not_create_pgvector_falls_back_until_it_has_it(
    cluster: ThrowawayPostgres, lettalite_on
) -> None:
    cluster.install_pgvector()
    role = f"lettalite_{uuid.uuid4().hex[:8]}"
    admin_url = cluster.admin_url
    asyncio.run(_query(admin_url, f"CREATE ROLE {role} LOGIN"))
    asyncio.run(_query(admin_url, f"CREATE DATABASE {role} OWNER {role}"))
    url = f"postgresql+asyncpg://{role}@127.0.0.1:{cluster.port}/{role}"
    server = lettalite_on(url)
    [warning] = health_warnings(server)
    assert "enabling it failed (permission denied" in warning
    agent_id = archive_facts(sdk(server))
    assert embedding_column_type(url) == "real[]"
    ranked_in_python = search_texts(sdk(server), agent_id, "sister cello")
    server.stop()

    superuser_in_database = admin_url.rsplit("/", 1)[0] + f"/{role}"
    asyncio.run(_query(superuser_in_database, "CREATE EXTENSION vector"))
    server.start()
    assert health_warnings(server) == []
    assert embedding_column_type(url) == "vector"
    assert search_texts(sdk(server), agent_id, "sister cello") == ranked_in_python
