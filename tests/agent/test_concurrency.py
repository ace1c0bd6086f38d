"""Turns that never race: one agent's turns run one at a time, in every process; different
agents run in parallel."""

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from letta_client import Letta

from tests.factories import (
    SEED_MODEL,
    assert_edits_kept_in_turn_order,
    call_directive,
    create_seed_agent,
)
from tests.servers import FakeLLM, LettaliteServer

CONCURRENT_TURNS = 20


async def post_all(requests: list[tuple[str, str, dict]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        return await asyncio.gather(
            *(http.post(base + path, json=body) for base, path, body in requests)
        )


@pytest.fixture(scope="module")
def second_server(server: LettaliteServer, fake_llm: FakeLLM, tmp_path_factory) -> Iterator:
    """Another process on the same database, as a second replica behind a load balancer."""
    replica = LettaliteServer(
        server.database_url, fake_llm.base_url, tmp_path_factory.mktemp("replica")
    )
    replica.start()
    yield replica
    replica.stop()


@pytest.mark.parametrize("replicas", [1, 2])
def test_concurrent_turns_to_one_agent_all_land_in_order(
    client: Letta, server: LettaliteServer, request: pytest.FixtureRequest, replicas: int
) -> None:
    urls = [server.url]
    if replicas == 2:
        urls.append(request.getfixturevalue("second_server").url)
    agent = create_seed_agent(client, memory_blocks=[{"label": "log", "value": "start"}])
    lines = [f"line {i:02d}" for i in range(CONCURRENT_TURNS)]
    calls = [
        (
            urls[i % len(urls)],
            f"/v1/agents/{agent.id}/messages",
            {"input": call_directive("memory_insert", label="log", new_string=line)},
        )
        for i, line in enumerate(lines)
    ]
    responses = asyncio.run(post_all(calls))
    assert [r.status_code for r in responses] == [200] * CONCURRENT_TURNS

    assert_edits_kept_in_turn_order(client, agent.id, lines)


def test_different_agents_run_in_parallel(client: Letta, server: LettaliteServer) -> None:
    agents = [client.agents.create(model=SEED_MODEL, memory_blocks=[]) for _ in range(50)]
    calls = [
        (server.url, f"/v1/agents/{a.id}/messages", {"input": "[[sleep 0.5]] hi"}) for a in agents
    ]
    started = time.monotonic()
    responses = asyncio.run(post_all(calls))
    elapsed = time.monotonic() - started
    assert all(r.status_code == 200 for r in responses)
    print(f"\n50 agents x 1 turn with 0.5 s model latency: {elapsed:.2f} s wall")
    assert elapsed < 12.5  # sequential would be 25 s


def test_a_turn_that_waits_too_long_gets_409(start_server) -> None:  # noqa: ANN001
    impatient = start_server(LETTALITE_TURN_WAIT_SECONDS="0.3")
    client = Letta(base_url=impatient.url, max_retries=0)
    agent = create_seed_agent(client)
    slow = client.agents.messages.create_async(agent.id, input="[[sleep 2]] first")
    while client.runs.retrieve(slow.id).status != "running":
        time.sleep(0.02)
    blocked = httpx.post(
        f"{impatient.url}/v1/agents/{agent.id}/messages", json={"input": "second"}, timeout=30
    )
    assert blocked.status_code == 409
    # Letta's wording and field, which clients (Letta Code) read to wait for the running turn.
    assert "is currently being processed" in blocked.json()["detail"]
    assert f"run_id={slow.id}" in blocked.json()["detail"]
    assert blocked.json()["run_id"] == slow.id
    # Guidance for clients: retrying is right, after a short pause.
    assert blocked.headers["x-should-retry"] == "true"
    assert blocked.headers["retry-after"] == "1"


def test_cancel_and_stream_through_another_replica(
    client: Letta, second_server: LettaliteServer
) -> None:
    other = Letta(base_url=second_server.url, _strict_response_validation=True, max_retries=0)
    agent = create_seed_agent(client)
    run = client.agents.messages.create_async(agent.id, input="[[loop]] [[sleep 0.2]]")
    while len(list(client.runs.steps.list(run.id))) < 2:
        time.sleep(0.05)
    assert other.agents.messages.cancel(agent.id) == {run.id: "cancelled"}
    chunks = list(other.runs.messages.stream(run.id, include_pings=False))
    assert chunks[-2].stop_reason == "cancelled"
    streamed_calls = [c for c in chunks if c.message_type == "tool_call_message"]
    assert len(streamed_calls) >= 2
    assert client.runs.retrieve(run.id).status == "cancelled"


def test_agents_sharing_a_block_never_lose_each_others_edits(
    client: Letta, server: LettaliteServer
) -> None:
    shared = client.blocks.create(label="log", value="start")
    agents = [create_seed_agent(client, memory_blocks=[], block_ids=[shared.id]) for _ in range(2)]
    lines = [f"agent {a} line {i}" for a in range(2) for i in range(8)]
    calls = [
        (
            server.url,
            f"/v1/agents/{agents[index % 2].id}/messages",
            {"input": call_directive("memory_insert", label="log", new_string=line)},
        )
        for index, line in enumerate(lines)
    ]
    responses = asyncio.run(post_all(calls))
    assert [r.status_code for r in responses] == [200] * len(lines)
    value = client.blocks.retrieve(shared.id).value
    assert sorted(value.split("\n")[1:]) == sorted(lines)


@pytest.mark.parametrize("replicas", [1, 2])
def test_conversations_of_one_agent_run_in_parallel_and_keep_every_edit(
    client: Letta, server: LettaliteServer, request: pytest.FixtureRequest, replicas: int
) -> None:
    """Conversations of one agent, each with several turns that edit the same shared block,
    sent at once: a conversation's turns never interleave, the conversations overlap in time,
    and no edit is lost (the default conversation's turns, sent first, included)."""
    urls = [server.url]
    if replicas == 2:
        urls.append(request.getfixturevalue("second_server").url)
    agent = create_seed_agent(client, memory_blocks=[{"label": "log", "value": "start"}])
    named = [client.conversations.create(agent_id=agent.id).id for _ in range(3)]
    paths = [(f"/v1/agents/{agent.id}/messages", {})] + [
        (f"/v1/conversations/{conv}/messages", {"streaming": False}) for conv in named
    ]
    turns_each = 3

    def send(i: int, turn: int) -> tuple[str, str, dict]:
        path, extra = paths[i]
        edit = call_directive("memory_insert", label="log", new_string=f"c{i} t{turn}")
        return urls[(i + turn) % len(urls)], path, {**extra, "input": f"[[sleep 0.4]] {edit}"}

    # One conversation's turns alone, one after another: what each conversation should take.
    started = time.monotonic()
    alone = [asyncio.run(post_all([send(0, turn)]))[0] for turn in range(turns_each)]
    one_conversation = time.monotonic() - started
    calls = [send(i, turn) for turn in range(turns_each) for i in range(1, len(paths))]
    started = time.monotonic()
    responses = asyncio.run(post_all(calls))
    elapsed = time.monotonic() - started
    responses += alone
    assert [r.status_code for r in responses] == [200] * len(responses), [r.text for r in responses]

    lines = client.agents.blocks.retrieve("log", agent_id=agent.id).value.split("\n")[1:]
    assert sorted(lines) == sorted(f"c{i} t{t}" for i in range(4) for t in range(turns_each))
    # The three named conversations at once take about as long as one alone (three times as
    # long if they were serialized), however busy the machine.
    assert elapsed < 2 * one_conversation, (elapsed, one_conversation)
    turn = ["user_message", "tool_call_message", "tool_return_message", "assistant_message"]
    for index, conv in enumerate(named, start=1):
        history = list(client.conversations.messages.list(conv, order="asc", limit=100))
        assert [m.message_type for m in history[1:]] == turn * turns_each
        users = [m.content for m in history if m.message_type == "user_message"]
        assert all(f"c{index} " in text for text in users)


async def patch_all(requests: list[tuple[str, str, dict]]) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60) as http:
        return await asyncio.gather(
            *(http.patch(base + path, json=body) for base, path, body in requests)
        )


def test_blind_block_writes_from_two_replicas_all_apply(
    client: Letta, server: LettaliteServer, second_server: LettaliteServer
) -> None:
    """20 concurrent `blocks.update(value=...)` without a precondition: every one succeeds
    (last writer wins, as in Letta), none gets a 409 the SDK could not retry."""
    agent = create_seed_agent(client)
    values = [f"Name: writer {i}" for i in range(20)]
    urls = [server.url, second_server.url]
    path = f"/v1/agents/{agent.id}/core-memory/blocks/human"
    responses = asyncio.run(
        patch_all([(urls[i % 2], path, {"value": value}) for i, value in enumerate(values)])
    )
    assert [r.status_code for r in responses] == [200] * len(values), [r.text for r in responses]
    final = client.agents.blocks.retrieve("human", agent_id=agent.id).value
    assert final in values
    # The prompt shows the block as it was last written.
    [system] = client.agents.messages.list(agent.id, order="asc", limit=1)
    assert f"<value>\n{final}\n</value>" in system.content


def test_if_match_gives_read_modify_write_clients_optimistic_concurrency(
    client: Letta, http: httpx.Client
) -> None:
    agent = create_seed_agent(client)
    url = f"/v1/agents/{agent.id}/core-memory/blocks/human"
    read = http.get(url)
    tag = read.headers["etag"]
    assert tag == http.get(f"/v1/blocks/{read.json()['id']}").headers["etag"]
    first = http.patch(url, json={"value": "Name: A"}, headers={"If-Match": tag})
    assert first.status_code == 200
    assert first.headers["etag"] != tag
    stale = http.patch(url, json={"value": "Name: B"}, headers={"If-Match": tag})
    assert stale.status_code == 412
    assert "changed since you read it" in stale.json()["detail"]
    assert http.get(url).json()["value"] == "Name: A"
    again = http.patch(url, json={"value": "Name: B"}, headers={"If-Match": first.headers["etag"]})
    assert again.status_code == 200 and again.json()["value"] == "Name: B"
    assert http.patch(url, json={"value": "Name: C"}, headers={"If-Match": "*"}).status_code == 200


def test_memory_edits_beside_plain_turns_in_other_conversations(
    client: Letta, server: LettaliteServer
) -> None:
    """Half the conversations edit a shared block while the others start plain turns, at once,
    round after round. On PostgreSQL an edit's step (block, then the conversations it marks
    stale, then the agent) and a plain step (agent, then its conversation) once deadlocked."""
    agent = create_seed_agent(client, memory_blocks=[{"label": "log", "value": "start"}])
    conversations = [client.conversations.create(agent_id=agent.id).id for _ in range(6)]

    def body(index: int, round_: int) -> dict:
        if index % 2:
            edit = call_directive("memory_insert", label="log", new_string=f"{index} {round_}")
            return {"input": edit, "streaming": False}
        return {"input": f"hello {round_}", "streaming": False}

    for round_ in range(5):
        calls = [
            (server.url, f"/v1/conversations/{conv}/messages", body(index, round_))
            for index, conv in enumerate(conversations)
        ]
        responses = asyncio.run(post_all(calls))
        assert [r.status_code for r in responses] == [200] * len(calls), [r.text for r in responses]
    lines = client.agents.blocks.retrieve("log", agent_id=agent.id).value.split("\n")[1:]
    assert sorted(lines) == sorted(f"{i} {r}" for i in (1, 3, 5) for r in range(5))
