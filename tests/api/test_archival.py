"""Archival memory over REST, through the official SDK: insert, list, search, delete.

Every behaviour is checked with and without an embedding model: with one, passages are
embedded through the scripted server's /v1/embeddings and ranked by vector distance
(sqlite-vec / pgvector); without, search is ranked full text.
"""

import json
from datetime import UTC, datetime, timedelta

import httpx
import letta_client
import pytest
from letta_client import Letta

from tests.factories import create_seed_agent, missing_id
from tests.sdk.scripts import SDK0_PYTHON, SDK_DIR, TS_DIR, run_script
from tests.servers import FakeLLM, LettaliteServer

EMBEDDING = "openai/text-embedding-3-small"
FACTS = [
    "Cameron keeps bees on the roof of the old bakery",
    "The quarterly budget review happens every March",
    "Cameron's sister plays the cello in an orchestra",
]


@pytest.fixture(params=[None, EMBEDDING], ids=["full-text", "embedding"])
def embedding(request: pytest.FixtureRequest) -> str | None:
    return request.param


def archive(client: Letta, embedding: str | None, texts: list[str], **create: object) -> str:
    agent = create_seed_agent(client, **({"embedding": embedding} if embedding else {}))
    for text in texts:
        client.agents.passages.create(agent.id, text=text, **create)
    return agent.id


def search_texts(client: Letta, agent_id: str, query: str, **filters: object) -> list[str]:
    response = client.agents.passages.search(agent_id, query=query, **filters)
    assert response.count == len(response.results)
    return [result.content for result in response.results]


def test_insert_returns_the_stored_passage(client: Letta, embedding: str | None) -> None:
    agent = create_seed_agent(client, **({"embedding": embedding} if embedding else {}))
    [passage] = client.agents.passages.create(agent.id, text=FACTS[0], tags=["bees", "family"])
    assert passage.id.startswith("passage-")
    assert passage.text == FACTS[0]
    assert passage.tags == ["bees", "family"]
    assert passage.created_at is not None
    if embedding:
        assert passage.embedding_config.handle == EMBEDDING
    else:
        assert passage.embedding_config is None
    [listed] = client.agents.passages.list(agent.id)
    assert listed.id == passage.id and listed.tags == ["bees", "family"]


def test_search_ranks_the_relevant_passage_first(client: Letta, embedding: str | None) -> None:
    agent_id = archive(client, embedding, FACTS)
    assert search_texts(client, agent_id, "who keeps bees")[0] == FACTS[0]
    assert search_texts(client, agent_id, "budget review in March")[0] == FACTS[1]
    assert search_texts(client, agent_id, "cello", top_k=1) == [FACTS[2]]


def test_embedding_search_finds_neighbours_without_shared_words(
    client: Letta, fake_llm: FakeLLM
) -> None:
    fake_llm.clear()
    agent_id = archive(client, EMBEDDING, FACTS)
    # Vector search always answers with the nearest passages; full text needs a shared word.
    assert len(search_texts(client, agent_id, "xylophone zeppelin", top_k=2)) == 2
    embedded = [r["body"] for r in fake_llm.requests() if r["path"].endswith("/embeddings")]
    assert [body["model"] for body in embedded] == ["text-embedding-3-small"] * 4
    assert embedded[-1]["input"] == ["xylophone zeppelin"]


def test_full_text_search_needs_a_shared_word(client: Letta, fake_llm: FakeLLM) -> None:
    fake_llm.clear()
    agent_id = archive(client, None, FACTS)
    assert search_texts(client, agent_id, "xylophone zeppelin") == []
    assert not [r for r in fake_llm.requests() if r["path"].endswith("/embeddings")]


def test_passages_and_their_vectors_survive_a_restart(
    client: Letta, server: LettaliteServer, embedding: str | None
) -> None:
    agent_id = archive(client, embedding, FACTS)
    before = search_texts(client, agent_id, "sister cello", top_k=3)
    server.restart()
    assert search_texts(client, agent_id, "sister cello", top_k=3) == before
    assert before[0] == FACTS[2]


def test_passages_from_before_an_embedding_model_are_still_found(client: Letta) -> None:
    agent_id = archive(client, None, [FACTS[0]])
    client.agents.update(agent_id, embedding=EMBEDDING)
    client.agents.passages.create(agent_id, text=FACTS[1])
    # The new passage is ranked by vector; the old one, which has none, by its words.
    assert set(search_texts(client, agent_id, "bees budget", top_k=5)) == {FACTS[0], FACTS[1]}


def test_search_filters_by_tags(client: Letta, embedding: str | None) -> None:
    agent = create_seed_agent(client, **({"embedding": embedding} if embedding else {}))
    for text, tags in [
        ("garden note: tomatoes need sun", ["garden"]),
        ("garden note: the shed needs paint", ["garden", "todo"]),
        ("work note: file the expense report", ["work", "todo"]),
    ]:
        client.agents.passages.create(agent.id, text=text, tags=tags)
    found = search_texts(client, agent.id, "note", tags=["garden"], top_k=10)
    assert sorted(found) == ["garden note: the shed needs paint", "garden note: tomatoes need sun"]
    found = search_texts(client, agent.id, "note", tags=["garden", "todo"], top_k=10)
    assert len(found) == 3  # "any" is the default
    found = search_texts(
        client, agent.id, "note", tags=["garden", "todo"], tag_match_mode="all", top_k=10
    )
    assert found == ["garden note: the shed needs paint"]
    assert search_texts(client, agent.id, "note", tags=["nothing-has-this"]) == []


def test_search_filters_by_dates(client: Letta, embedding: str | None) -> None:
    agent = create_seed_agent(client, **({"embedding": embedding} if embedding else {}))
    now = datetime.now(UTC)
    client.agents.passages.create(
        agent.id, text="trip to Lisbon", created_at=now - timedelta(days=30)
    )
    client.agents.passages.create(agent.id, text="trip to Oslo", created_at=now - timedelta(days=1))
    recent = search_texts(client, agent.id, "trip", start_datetime=now - timedelta(days=7))
    assert recent == ["trip to Oslo"]
    older = search_texts(client, agent.id, "trip", end_datetime=now - timedelta(days=7))
    assert older == ["trip to Lisbon"]


def test_search_results_carry_id_timestamp_and_tags(client: Letta) -> None:
    agent = create_seed_agent(client, timezone="America/New_York")
    moment = datetime(2026, 1, 15, 17, 30, tzinfo=UTC)
    [passage] = client.agents.passages.create(
        agent.id, text="the lighthouse keeper's log", tags=["sea"], created_at=moment
    )
    [result] = client.agents.passages.search(agent.id, query="lighthouse").results
    assert result.id == passage.id
    assert result.tags == ["sea"]
    # Shown in the agent's timezone, as Letta does.
    assert result.timestamp == "2026-01-15T12:30:00-05:00"


def test_tags_keep_their_order_and_a_time_without_offset_is_utc(client: Letta) -> None:
    agent = create_seed_agent(client)
    [created] = client.agents.passages.create(
        agent.id, text="sorted?", tags=["zeta", "Alpha", "mid"], created_at="2026-03-01T08:00:00"
    )
    assert created.tags == ["zeta", "Alpha", "mid"]
    assert created.created_at == datetime(2026, 3, 1, 8, tzinfo=UTC)
    [listed] = client.agents.passages.list(agent.id)
    [found] = client.agents.passages.search(agent.id, query="sorted").results
    assert listed.tags == found.tags == ["zeta", "Alpha", "mid"]


def test_list_search_and_full_text_handle_any_text(client: Letta) -> None:
    agent_id = archive(client, None, ["Émile likes tea", "tea, at 5 o'clock"])
    assert [p.text for p in client.agents.passages.list(agent_id, search="Émile")] == [
        "Émile likes tea"
    ]
    assert search_texts(client, agent_id, "🔑 ?!") == []  # no words: nothing can match


def test_list_orders_pages_and_filters(client: Letta) -> None:
    agent_id = archive(
        client, None, [f"entry {i} about {'cats' if i % 2 else 'dogs'}" for i in range(5)]
    )
    oldest_first = [p.text for p in client.agents.passages.list(agent_id)]
    assert oldest_first == [f"entry {i} about {'cats' if i % 2 else 'dogs'}" for i in range(5)]
    newest_first = [p.text for p in client.agents.passages.list(agent_id, ascending=False)]
    assert newest_first == oldest_first[::-1]
    first_page = client.agents.passages.list(agent_id, limit=2)
    second_page = client.agents.passages.list(agent_id, limit=2, after=first_page[-1].id)
    assert [p.text for p in first_page + second_page] == oldest_first[:4]
    assert [p.text for p in client.agents.passages.list(agent_id, search="CATS")] == [
        "entry 1 about cats",
        "entry 3 about cats",
    ]


def test_delete_removes_the_passage(client: Letta, embedding: str | None) -> None:
    agent_id = archive(client, embedding, FACTS[:2])
    doomed, kept = client.agents.passages.list(agent_id)
    answer = client.agents.passages.delete(doomed.id, agent_id=agent_id)
    assert answer == {"message": f"Memory id={doomed.id} successfully deleted"}
    assert [p.id for p in client.agents.passages.list(agent_id)] == [kept.id]
    assert doomed.text not in search_texts(client, agent_id, doomed.text, top_k=10)
    with pytest.raises(letta_client.NotFoundError):
        client.agents.passages.delete(doomed.id, agent_id=agent_id)


def test_passages_belong_to_their_agent(client: Letta) -> None:
    owner = archive(client, None, [FACTS[0]])
    other = archive(client, None, [])
    [passage] = client.agents.passages.list(owner)
    assert client.agents.passages.list(other) == []
    assert search_texts(client, other, "bees") == []
    with pytest.raises(letta_client.NotFoundError):
        client.agents.passages.delete(passage.id, agent_id=other)
    client.agents.delete(owner)
    with pytest.raises(letta_client.NotFoundError):
        client.agents.passages.list(owner)


def test_archival_count_reaches_the_prompt_and_the_context(
    client: Letta, http: httpx.Client, fake_llm: FakeLLM
) -> None:
    agent_id = archive(client, None, FACTS)
    assert http.get(f"/v1/agents/{agent_id}/context").json()["num_archival_memory"] == 3
    [passage, *_] = client.agents.passages.list(agent_id)
    client.agents.passages.delete(passage.id, agent_id=agent_id)
    fake_llm.clear()
    client.agents.messages.create(agent_id=agent_id, input="hello")
    system_prompt = fake_llm.chat_requests()[-1]["messages"][0]["content"]
    assert "- Passages stored in archival memory: 2\n" in system_prompt


def test_an_empty_archive_is_not_mentioned_in_the_prompt(client: Letta, fake_llm: FakeLLM) -> None:
    agent = create_seed_agent(client)
    fake_llm.clear()
    client.agents.messages.create(agent_id=agent.id, input="hello")
    assert "archival memory" not in fake_llm.chat_requests()[-1]["messages"][0]["content"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"text": ""}, "text: String should have at least 1 character"),
        ({"tags": ["x"]}, "text: Field required"),
        ({"text": "x", "tags": [""]}, "tags.0: String should have at least 1 character"),
        ({"text": "x", "tags": ["t"] * 51}, "tags: at most 50 items are allowed, got 51"),
        ({"text": "a\u0000b"}, "text: contains a NUL character"),
    ],
)
def test_bad_inserts_are_refused(
    client: Letta, http: httpx.Client, body: dict, problem: str
) -> None:
    agent = create_seed_agent(client)
    response = http.post(f"/v1/agents/{agent.id}/archival-memory", json=body)
    assert response.status_code == 422
    assert problem in response.json()["detail"]
    assert client.agents.passages.list(agent.id) == []


def test_an_oversized_passage_is_refused_whole(client: Letta) -> None:
    agent = create_seed_agent(client)
    with pytest.raises(letta_client.BadRequestError) as error:
        client.agents.passages.create(agent.id, text="word " * 40_000)
    assert "over the limit of 8192" in error.value.body["detail"]
    assert client.agents.passages.list(agent.id) == []


@pytest.mark.parametrize(
    ("status", "answer", "problem"),
    [
        (401, 502, "The embedding model openai/text-embedding-3-small failed"),
        (400, 400, "The embedding model openai/text-embedding-3-small refused the text"),
    ],
)
def test_a_failing_embedding_model_stores_nothing(
    client: Letta, http: httpx.Client, status: int, answer: int, problem: str
) -> None:
    agent = create_seed_agent(client, embedding=EMBEDDING)
    response = http.post(
        f"/v1/agents/{agent.id}/archival-memory", json={"text": f"remember [[error {status}]]"}
    )
    assert response.status_code == answer
    assert problem in response.json()["detail"]
    assert response.headers["x-should-retry"] == "false"
    assert client.agents.passages.list(agent.id) == []
    assert http.get(f"/v1/agents/{agent.id}/context").json()["num_archival_memory"] == 0


@pytest.mark.parametrize(
    ("query", "status", "problem"),
    [
        ("", 422, "query: Field required"),
        ("query=x&top_k=0", 422, "top_k: Input should be greater than or equal to 1"),
        ("query=x&tag_match_mode=most", 422, "tag_match_mode: Input should be 'any' or 'all'"),
        (
            "query=x&start_datetime=yesterday",
            422,
            "start_datetime: Input should be a valid datetime",
        ),
        (
            "query=x&start_datetime=2026-02-01T00:00:00Z&end_datetime=2026-01-01T00:00:00Z",
            400,
            "start_datetime is after end_datetime",
        ),
    ],
)
def test_bad_searches_are_refused(
    client: Letta, http: httpx.Client, query: str, status: int, problem: str
) -> None:
    agent = create_seed_agent(client)
    response = http.get(f"/v1/agents/{agent.id}/archival-memory/search?{query}")
    assert response.status_code == status
    assert problem in response.json()["detail"]


def test_unknown_agent_and_malformed_ids(http: httpx.Client, client: Letta) -> None:
    missing = missing_id("agent")
    assert http.get(f"/v1/agents/{missing}/archival-memory").status_code == 404
    assert http.post(f"/v1/agents/{missing}/archival-memory", json={"text": "x"}).status_code == 404
    agent = create_seed_agent(client)
    response = http.delete(f"/v1/agents/{agent.id}/archival-memory/not-a-passage-id")
    assert response.status_code == 422


def test_typescript_sdk_archival_memory(server: LettaliteServer, embedding: str | None) -> None:
    command = ["node", "archival.mjs", server.url, *([embedding] if embedding else [])]
    result = json.loads("\n".join(run_script(command, TS_DIR)))
    key, taxes = result["created"]
    assert key["tags"] == ["home"] and taxes["tags"] == ["money"]
    assert result["search"]["count"] == 1
    [hit] = result["search"]["results"]
    assert (hit["id"], hit["content"], hit["tags"]) == (key["id"], key["text"], ["home"])
    assert result["deleted"] == {"message": f"Memory id={taxes['id']} successfully deleted"}
    assert result["remaining"] == [key["id"]]


def test_python_sdk_0x_archival_memory(server: LettaliteServer) -> None:
    command = [str(SDK0_PYTHON), "archival_v0.py", server.url]
    result = json.loads("\n".join(run_script(command, SDK_DIR)))
    key, taxes = result["created"]
    assert (key["tags"], taxes["tags"]) == (["home"], ["money"])
    assert result["search"] == [{"id": key["id"], "content": key["text"]}]
    assert result["count"] == 1
    assert result["remaining"] == [key["id"]]


def test_search_times_without_offset_are_utc(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    client.agents.passages.create(agent.id, text="noon memo", created_at="2026-04-01T12:00:00Z")
    url = f"/v1/agents/{agent.id}/archival-memory/search"
    after = http.get(url, params={"query": "memo", "start_datetime": "2026-04-01T11:59:00"})
    before = http.get(url, params={"query": "memo", "start_datetime": "2026-04-01T12:01:00"})
    assert (after.json()["count"], before.json()["count"]) == (1, 0)
