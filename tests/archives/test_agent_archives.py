"""Archives attached to agents: one archive shared by two agents, found by both through
`archival_memory_search` as the scripted model calls it; detaching; the agent's own archive,
which holds what it stores and goes with it."""

import json

import httpx
import letta_client
import pytest
from letta_client import Letta

from tests.factories import call_directive as call
from tests.factories import create_seed_agent, missing_id
from tests.servers import FakeLLM

EMBEDDING = "openai/text-embedding-3-small"
ARCHIVAL_TOOLS = ["archival_memory_insert", "archival_memory_search"]
SHARED_FACT = "The staff meeting moved to Thursdays at ten"


@pytest.fixture(params=[None, EMBEDDING], ids=["full-text", "embedding"])
def embedding(request: pytest.FixtureRequest) -> str | None:
    return request.param


def tool_returns(client: Letta, agent_id: str, text: str) -> list:
    response = client.agents.messages.create(agent_id=agent_id, input=text)
    assert response.stop_reason.stop_reason == "end_turn"
    return [m for m in response.messages if m.message_type == "tool_return_message"]


def searched(client: Letta, agent_id: str, query: str) -> list[str]:
    [found] = tool_returns(client, agent_id, call("archival_memory_search", query=query))
    assert found.status == "success"
    return [hit["content"] for hit in json.loads(found.tool_return)]


def test_two_agents_find_a_passage_of_their_shared_archive(
    client: Letta, embedding: str | None, fake_llm: FakeLLM
) -> None:
    extra = {"embedding": embedding} if embedding else {}
    archive = client.archives.create(name="team handbook", **extra)
    passage = client.archives.passages.create(archive.id, text=SHARED_FACT, tags=["team"])
    agents = [create_seed_agent(client, tools=ARCHIVAL_TOOLS, **extra) for _ in range(2)]
    for agent in agents:
        client.agents.archives.attach(archive.id, agent_id=agent.id)
        client.agents.archives.attach(archive.id, agent_id=agent.id)  # twice: no change
    for agent in agents:
        assert searched(client, agent.id, "when is the staff meeting") == [SHARED_FACT]
        assert [a.id for a in client.archives.list(agent_id=agent.id)] == [archive.id]
        [listed] = client.agents.passages.list(agent.id)
        assert (listed.id, listed.archive_id) == (passage.id, archive.id)
        hits = client.passages.search(agent_id=agent.id, query="staff meeting")
        assert [hit.passage.id for hit in hits] == [passage.id]
    # Each agent's prompt counts the shared passage.
    fake_llm.clear()
    client.agents.messages.create(agent_id=agents[1].id, input="hello")
    system_prompt = fake_llm.chat_requests()[0]["messages"][0]["content"]
    assert "- Passages stored in archival memory: 1\n" in system_prompt


def test_an_agent_stores_into_its_own_archive_and_searches_all_attached(
    client: Letta, embedding: str | None
) -> None:
    extra = {"embedding": embedding} if embedding else {}
    agent = create_seed_agent(client, name="Marguerite", tools=ARCHIVAL_TOOLS, **extra)
    assert client.archives.list(agent_id=agent.id).items == []  # made on its first insert
    [stored] = tool_returns(
        client, agent.id, call("archival_memory_insert", content="Marguerite's staff badge is 88")
    )
    assert stored.status == "success"
    [own] = client.archives.list(agent_id=agent.id)
    assert own.name == "Archival memory of Marguerite"
    assert (own.embedding_config.handle if own.embedding_config else None) == embedding
    shared = client.archives.create(name="shared", **extra)
    client.archives.passages.create(shared.id, text=SHARED_FACT)
    client.agents.archives.attach(shared.id, agent_id=agent.id)
    # Its own archive stays the one it stores into, over REST too.
    [over_rest] = client.agents.passages.create(agent.id, text="The badge office is upstairs")
    assert over_rest.archive_id == own.id
    by_archive = {p.text: p.archive_id for p in client.agents.passages.list(agent.id)}
    assert by_archive == {
        SHARED_FACT: shared.id,
        "Marguerite's staff badge is 88": own.id,
        "The badge office is upstairs": own.id,
    }
    assert set(searched(client, agent.id, "staff badge meeting")) == set(by_archive)


def test_an_agent_without_an_archive_of_its_own_stores_into_the_first_attached(
    client: Letta,
) -> None:
    agent = create_seed_agent(client)
    archive = client.archives.create(name="only one")
    client.agents.archives.attach(archive.id, agent_id=agent.id)
    [passage] = client.agents.passages.create(agent.id, text="goes to the attached archive")
    assert passage.archive_id == archive.id
    assert [a.id for a in client.archives.list(agent_id=agent.id)] == [archive.id]


def test_detached_archives_are_no_longer_searched(client: Letta) -> None:
    archive = client.archives.create(name="detachable")
    client.archives.passages.create(archive.id, text=SHARED_FACT)
    agent = create_seed_agent(client, tools=ARCHIVAL_TOOLS)
    client.agents.archives.attach(archive.id, agent_id=agent.id)
    assert searched(client, agent.id, "staff meeting") == [SHARED_FACT]
    client.agents.archives.detach(archive.id, agent_id=agent.id)
    assert searched(client, agent.id, "staff meeting") == []
    assert client.agents.passages.list(agent.id) == []
    assert client.archives.list(agent_id=agent.id).items == []
    # The archive and its passage stay.
    assert [h.passage.text for h in client.passages.search(archive_id=archive.id)] == [SHARED_FACT]
    with pytest.raises(letta_client.NotFoundError):
        client.agents.archives.detach(archive.id, agent_id=agent.id)


def test_the_archives_agents(client: Letta, http: httpx.Client) -> None:
    archive = client.archives.create(name="listed agents")
    agents = [create_seed_agent(client) for _ in range(2)]
    for agent in agents:
        client.agents.archives.attach(archive.id, agent_id=agent.id)
    listed = http.get(f"/v1/archives/{archive.id}/agents").json()
    assert [a["id"] for a in listed] == [a.id for a in agents][::-1]
    assert http.get(f"/v1/archives/{missing_id('archive')}/agents").status_code == 404


def test_deleting_an_agent_deletes_its_own_archive_not_a_shared_one(client: Letta) -> None:
    agent, other = create_seed_agent(client), create_seed_agent(client)
    [own_passage] = client.agents.passages.create(agent.id, text="mine alone")
    shared = client.archives.create(name="kept")
    client.agents.archives.attach(shared.id, agent_id=agent.id)
    client.agents.delete(agent.id)
    with pytest.raises(letta_client.NotFoundError):
        client.archives.retrieve(own_passage.archive_id)
    assert client.archives.retrieve(shared.id).name == "kept"
    # An agent's own archive attached elsewhere too stays for the other agent.
    [passage] = client.agents.passages.create(other.id, text="ours")
    third = create_seed_agent(client)
    client.agents.archives.attach(passage.archive_id, agent_id=third.id)
    client.agents.delete(other.id)
    assert [p.text for p in client.agents.passages.list(third.id)] == ["ours"]


def test_changing_the_agents_embedding_model_changes_its_own_archives(client: Letta) -> None:
    agent = create_seed_agent(client)
    [passage] = client.agents.passages.create(agent.id, text="stored without vectors")
    assert client.archives.retrieve(passage.archive_id).embedding_config is None
    client.agents.update(agent.id, embedding=EMBEDDING)
    archive = client.archives.retrieve(passage.archive_id)
    assert archive.embedding_config.handle == EMBEDDING


def test_bad_attachments_are_refused(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    archive = client.archives.create(name="attach me")
    for path, status in [
        (f"/v1/agents/{agent.id}/archives/attach/{missing_id('archive')}", 404),
        (f"/v1/agents/{missing_id('agent')}/archives/attach/{archive.id}", 404),
        (f"/v1/agents/{agent.id}/archives/attach/not-an-archive", 422),
        (f"/v1/agents/{agent.id}/archives/detach/{archive.id}", 404),
    ]:
        response = http.patch(path)
        assert response.status_code == status, path
        assert response.json()["detail"]
    assert client.archives.list(agent_id=agent.id).items == []


def test_each_archive_is_searched_with_its_own_embedding_model(
    client: Letta, fake_llm: FakeLLM
) -> None:
    # The agent has no embedding model; the attached archive has one, and the query is embedded
    # with it: the passage shares no word with the query, so only its vector can find it.
    agent = create_seed_agent(client, tools=ARCHIVAL_TOOLS)
    embedded = client.archives.create(name="by vector", embedding=EMBEDDING)
    client.archives.passages.create(embedded.id, text=SHARED_FACT)
    words_only = client.archives.create(name="by words")
    client.archives.passages.create(words_only.id, text="Parking permits renew in xylophone month")
    for archive in (embedded, words_only):
        client.agents.archives.attach(archive.id, agent_id=agent.id)
    fake_llm.clear()
    # The vector match first, then the word match from the archive without vectors.
    assert searched(client, agent.id, "xylophone zeppelin") == [
        SHARED_FACT,
        "Parking permits renew in xylophone month",
    ]
    embedded_inputs = [
        r["body"]["input"] for r in fake_llm.requests() if r["path"].endswith("/embeddings")
    ]
    assert embedded_inputs == [["xylophone zeppelin"]]
