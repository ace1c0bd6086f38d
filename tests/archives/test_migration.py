"""Migration 0013 moves every agent's passages into an archive of its own, with their tags,
vectors and full-text index; its downgrade gives them back to their agents.

A server fills a database at head; it is taken down to 0012 (the per-agent schema), checked
there, and brought back up by the next server start. Searches before and after must agree:
vector search only works if the vectors survived (the queries share no word with the
passages), and full-text search only if the index was rebuilt.
"""

import asyncio
from typing import Any

from letta_client import Letta
from sqlalchemy import text

from lettalite.db.schema import HEAD_REVISION, current_revision
from lettalite.db.session import Database
from tests.factories import create_seed_agent
from tests.test_migrations import alembic

EMBEDDING = "openai/text-embedding-3-small"
FACTS = [
    ("Cameron keeps bees on the roof of the old bakery", ["bees", "family"]),
    ("The quarterly budget review happens every March", ["work"]),
    ("Cameron's sister plays the cello in an orchestra", ["family"]),
]


def snapshot(client: Letta, agent_ids: list[str]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for agent_id in agent_ids:
        passages = client.agents.passages.list(agent_id)
        state[f"{agent_id}/passages"] = [(p.id, p.text, p.tags, p.created_at) for p in passages]
        for query in ("xylophone zeppelin", "who keeps bees", "cello orchestra"):
            found = client.agents.passages.search(agent_id, query=query, top_k=2)
            state[f"{agent_id}/{query}"] = [(hit.id, hit.tags) for hit in found.results]
    return state


async def per_agent_counts(database_url: str) -> dict[str, tuple[int, int, int]]:
    """(passages, with a vector, tags) per agent, in the 0012 schema."""
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT p.agent_id, count(DISTINCT p.id), count(DISTINCT CASE WHEN "
                    "p.embedding IS NOT NULL THEN p.id END), count(t.tag) FROM archival_passage p "
                    "LEFT JOIN archival_passage_tag t ON t.passage_id = p.id GROUP BY p.agent_id"
                )
            )
            return {agent_id: tuple(counts) for agent_id, *counts in rows}
    finally:
        await database.dispose()


def test_passages_vectors_and_tags_survive_the_migration_both_ways(start_server) -> None:
    server = start_server()
    client = Letta(base_url=server.url, max_retries=0)
    embedded = create_seed_agent(client, name="Ada", embedding=EMBEDDING)
    plain = create_seed_agent(client, name="Bo")
    idle = create_seed_agent(client, name="Cy")
    for fact, tags in FACTS:
        client.agents.passages.create(embedded.id, text=fact, tags=tags)
    client.agents.passages.create(plain.id, text=FACTS[0][0], tags=["bees"])
    before = snapshot(client, [embedded.id, plain.id, idle.id])
    assert len(before[f"{embedded.id}/xylophone zeppelin"]) == 2  # ranked by vector
    assert before[f"{plain.id}/xylophone zeppelin"] == []  # full text: no shared word
    assert len(before[f"{plain.id}/who keeps bees"]) == 1
    server.stop()

    alembic(server.database_url, "downgrade", "0012")
    assert asyncio.run(current_revision(server.database_url)) == "0012"
    assert asyncio.run(per_agent_counts(server.database_url)) == {
        embedded.id: (3, 3, 4),
        plain.id: (1, 0, 1),
    }

    server.start()  # migrates to head again
    assert asyncio.run(current_revision(server.database_url)) == HEAD_REVISION
    archives = {a.name: a for a in client.archives.list()}
    assert set(archives) == {"Archival memory of Ada", "Archival memory of Bo"}
    assert archives["Archival memory of Ada"].embedding_config.handle == EMBEDDING
    assert archives["Archival memory of Bo"].embedding_config is None
    assert [a.name for a in client.archives.list(agent_id=embedded.id)] == [
        "Archival memory of Ada"
    ]
    assert snapshot(client, [embedded.id, plain.id, idle.id]) == before
    # The moved archives keep working: a new passage lands beside the old ones.
    [added] = client.agents.passages.create(embedded.id, text="The bakery roof was repaired")
    assert added.archive_id == archives["Archival memory of Ada"].id
    assert len(client.agents.passages.list(embedded.id)) == 4
