"""Runs: background turns, cancellation, disconnects, replays and re-sends."""

import json
import threading
import time

import httpx
import pytest
from letta_client import Letta

from lettalite.agent.runs import KEPT_FINISHED_RUNS
from tests.factories import create_seed_agent, missing_id

NAME_REQUEST = "My name is Cameron. Please store this information in your memory."


def wait_for(predicate, timeout: float = 15.0):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def assert_every_call_answered(client: Letta, agent_id: str) -> None:
    messages = list(client.agents.messages.list(agent_id, order="asc"))
    calls = [m.tool_call.tool_call_id for m in messages if m.message_type == "tool_call_message"]
    returns = [m.tool_call_id for m in messages if m.message_type == "tool_return_message"]
    assert calls == returns


def test_every_turn_is_a_run_with_steps_and_usage(client: Letta) -> None:
    agent = create_seed_agent(client)
    response = client.agents.messages.create(agent_id=agent.id, input=NAME_REQUEST)
    run_id = response.messages[0].run_id
    run = client.runs.retrieve(run_id)
    assert (run.agent_id, run.status, run.stop_reason) == (agent.id, "completed", "end_turn")
    assert run.completed_at is not None and run.total_duration_ns > 0
    steps = list(client.runs.steps.list(run_id))
    assert len(steps) == response.usage.step_count == 2
    usage = client.runs.usage.retrieve(run_id)
    assert usage.total_tokens == response.usage.total_tokens
    assert sum(step.prompt_tokens for step in steps) == usage.prompt_tokens
    run_messages = [m.message_type for m in client.runs.messages.list(run_id)]
    assert run_messages == [
        "user_message",
        "tool_call_message",
        "tool_return_message",
        "assistant_message",
    ]
    assert run_id in [r.id for r in client.runs.list(agent_id=agent.id)]
    assert run_id in [r.id for r in client.runs.list(agent_id=agent.id, statuses=["completed"])]
    assert run_id not in [r.id for r in client.runs.list(agent_id=agent.id, active=True)]


def test_cancel_stops_a_long_turn_and_keeps_history_consistent(client: Letta) -> None:
    agent = create_seed_agent(client)
    run = client.agents.messages.create_async(agent.id, input="[[loop]] [[sleep 0.3]]")
    wait_for(lambda: len(list(client.runs.steps.list(run.id))) >= 2)
    started = time.monotonic()
    assert client.agents.messages.cancel(agent.id) == {run.id: "cancelled"}
    finished = wait_for(lambda: (r := client.runs.retrieve(run.id)).status != "running" and r)
    assert time.monotonic() - started < 2  # the in-flight model call was interrupted
    assert (finished.status, finished.stop_reason) == ("cancelled", "cancelled")
    assert_every_call_answered(client, agent.id)
    after = client.agents.messages.create(agent_id=agent.id, input="are you there?")
    assert after.stop_reason.stop_reason == "end_turn"


def test_cancel_with_nothing_running_is_empty(client: Letta) -> None:
    agent = create_seed_agent(client)
    assert client.agents.messages.cancel(agent.id) == {}


def test_client_disconnect_mid_stream_loses_nothing(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    with http.stream(
        "POST",
        f"/v1/agents/{agent.id}/messages/stream",
        json={"input": "[[sleep 0.5]] " + NAME_REQUEST},
    ) as response:
        first = next(response.iter_lines())
    run_id = json.loads(first.removeprefix("data: "))["run_id"]
    run = wait_for(lambda: (r := client.runs.retrieve(run_id)).status == "completed" and r)
    assert run.stop_reason == "end_turn"
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value.startswith(
        "Name: Cameron"
    )
    assert_every_call_answered(client, agent.id)


def test_replaying_a_run_stream(client: Letta) -> None:
    agent = create_seed_agent(client)
    live = list(client.agents.messages.create(agent.id, input=NAME_REQUEST, streaming=True))
    run_id = live[0].run_id
    replay = list(client.runs.messages.stream(run_id))
    assert [c.message_type for c in replay] == [c.message_type for c in live]
    assert [getattr(c, "id", None) for c in replay[1:]] == [
        getattr(c, "id", None) for c in live[1:]
    ]
    later = list(client.runs.messages.stream(run_id, starting_after=2, include_pings=False))
    assert [c.message_type for c in later] == [
        "assistant_message",
        "stop_reason",
        "usage_statistics",
    ]


@pytest.mark.parametrize("starting_after", [-1, -3])
def test_replaying_from_a_negative_position_is_422(
    client: Letta, http: httpx.Client, starting_after: int
) -> None:
    agent = create_seed_agent(client)
    run_id = client.agents.messages.create(agent.id, input="hello").messages[0].run_id
    for url, body in (
        (f"/v1/runs/{run_id}/stream", {}),
        ("/v1/conversations/default/stream", {"agent_id": agent.id, "run_id": run_id}),
    ):
        response = http.post(url, json={**body, "starting_after": starting_after})
        assert response.status_code == 422, (url, response.text)
        assert response.json()["detail"].startswith("starting_after: ")


def test_reconnecting_to_a_background_stream(client: Letta) -> None:
    agent = create_seed_agent(client)
    run = client.agents.messages.create_async(agent.id, input="[[sleep 0.5]] " + NAME_REQUEST)
    chunks = list(client.runs.messages.stream(run.id))
    assert [c.message_type for c in chunks][-2:] == ["stop_reason", "usage_statistics"]
    assert "assistant_message" in [c.message_type for c in chunks]


def test_sdk_resend_of_a_running_turn_joins_it(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    body = {"input": "[[sleep 0.5]] hello once"}
    url = f"/v1/agents/{agent.id}/messages"
    results: list[dict] = []
    first = threading.Thread(target=lambda: results.append(http.post(url, json=body).json()))
    first.start()
    time.sleep(0.2)
    resent = http.post(url, json=body, headers={"x-stainless-retry-count": "1"}).json()
    first.join()
    assert resent == results[0]
    users = client.agents.messages.list(agent.id, include_return_message_types=["user_message"])
    assert [m.content for m in users] == ["[[sleep 0.5]] hello once"]
    # Without the retry header the same text is a new turn.
    http.post(url, json=body)
    users = client.agents.messages.list(agent.id, include_return_message_types=["user_message"])
    assert len(list(users)) == 2


def test_client_otid_makes_a_send_idempotent(client: Letta) -> None:
    agent = create_seed_agent(client)
    message = {"role": "user", "content": "store this once", "otid": "7f1c2d9e-client-otid"}
    first = client.agents.messages.create(agent_id=agent.id, messages=[message])
    again = client.agents.messages.create(agent_id=agent.id, messages=[message])
    assert [m.id for m in again.messages] == [m.id for m in first.messages]
    users = list(
        client.agents.messages.list(agent.id, include_return_message_types=["user_message"])
    )
    assert [(m.content, m.otid) for m in users] == [("store this once", message["otid"])]


def test_an_otid_send_stays_idempotent_after_its_run_leaves_memory(
    client: Letta, http: httpx.Client
) -> None:
    """The server keeps only the newest finished runs in memory; a re-send of an older one is
    answered from the database, with the same messages, and stores nothing twice."""
    agent = create_seed_agent(client)
    url = f"/v1/agents/{agent.id}/messages"
    message = {"role": "user", "content": "remember me", "otid": "otid-left-memory"}
    first = http.post(url, json={"messages": [message]}).json()
    for turn in range(KEPT_FINISHED_RUNS + 1):
        http.post(url, json={"input": f"filler {turn}"}).raise_for_status()
    again = http.post(url, json={"messages": [message]}).json()
    shown = lambda body: [(m["id"], m["message_type"]) for m in body["messages"]]  # noqa: E731
    assert shown(again) == shown(first) and shown(first)
    assert again["stop_reason"] == first["stop_reason"]
    users = client.agents.messages.list(
        agent.id, include_return_message_types=["user_message"], limit=1000
    )
    assert [m.content for m in users].count("remember me") == 1


def test_a_turn_refused_before_it_starts_stores_no_run(client: Letta, http: httpx.Client) -> None:
    """An unknown agent, or a model whose provider is not configured, is a 404 before any
    run is stored: the turn's model is read in the transaction that would write the run."""
    unknown = missing_id("agent")
    for path in ("messages", "messages/async", "messages/stream"):
        refused = http.post(f"/v1/agents/{unknown}/{path}", json={"input": "hi"})
        assert refused.status_code == 404 and unknown in refused.json()["detail"], path
    assert http.get("/v1/runs/", params={"agent_id": unknown}).json() == []

    agent = create_seed_agent(client)
    url = f"/v1/agents/{agent.id}/messages"
    elsewhere = {"input": "hi", "override_model": "anthropic/claude-sonnet-4-5"}
    for path in (url, f"{url}/async"):
        refused = http.post(path, json=elsewhere)
        assert refused.status_code == 404, refused.text
        assert "'anthropic' is not configured" in refused.json()["detail"]
    assert list(client.runs.list(agent_id=agent.id)) == []
    answered = client.agents.messages.create(agent_id=agent.id, input="still there?")
    assert answered.stop_reason.stop_reason == "end_turn"
    assert len(list(client.runs.list(agent_id=agent.id))) == 1


def test_a_resend_after_a_provider_failure_runs_the_turn_again(
    client: Letta, http: httpx.Client
) -> None:
    """The first attempt fails at the provider (3 requests, all 503); the SDK's re-send of the
    same request must run the turn, not replay the failure from a cache."""
    agent = create_seed_agent(client)
    url = f"/v1/agents/{agent.id}/messages"
    message = {"role": "user", "content": "[[error_times 3 503]] try again", "otid": "otid-fails"}
    failed = http.post(url, json={"messages": [message]})
    assert failed.status_code == 502
    resent = http.post(url, json={"messages": [message]}, headers={"x-stainless-retry-count": "1"})
    assert resent.status_code == 200, resent.text
    assert resent.json()["stop_reason"]["stop_reason"] == "end_turn"
    users = client.agents.messages.list(agent.id, include_return_message_types=["user_message"])
    assert [m.content for m in users] == [message["content"]]  # stored once, by the re-send


def test_a_resend_after_a_busy_409_runs_once_the_agent_is_free(start_server) -> None:  # noqa: ANN001
    impatient = start_server(LETTALITE_TURN_WAIT_SECONDS="0.3")
    client = Letta(base_url=impatient.url, max_retries=0)
    agent = create_seed_agent(client)
    slow = client.agents.messages.create_async(agent.id, input="[[sleep 1]] first")
    while client.runs.retrieve(slow.id).status != "running":
        time.sleep(0.02)
    url = f"{impatient.url}/v1/agents/{agent.id}/messages"
    body = {"messages": [{"role": "user", "content": "second", "otid": "otid-busy"}]}
    assert httpx.post(url, json=body, timeout=30).status_code == 409
    while client.runs.retrieve(slow.id).status == "running":
        time.sleep(0.05)
    resent = httpx.post(url, json=body, headers={"x-stainless-retry-count": "1"}, timeout=30)
    assert resent.status_code == 200, resent.text
    assert resent.json()["messages"][-1]["content"].endswith("You said: second")
