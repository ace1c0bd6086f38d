"""Provider failures: retried with bounded backoff, then reported; the agent is never hurt."""

import time

import httpx
import pytest
from letta_client import Letta

from tests.factories import create_seed_agent
from tests.servers import FakeLLM


def history_ids(client: Letta, agent_id: str) -> list[str]:
    return [m.id for m in client.agents.messages.list(agent_id, limit=1000)]


def test_a_transient_provider_error_is_retried(client: Letta, fake_llm: FakeLLM) -> None:
    agent = create_seed_agent(client)
    fake_llm.clear()
    response = client.agents.messages.create(agent_id=agent.id, input="[[error_once 503]] hi")
    assert response.stop_reason.stop_reason == "end_turn"
    assert len(fake_llm.chat_requests()) == 2


@pytest.mark.parametrize(
    ("status", "fragment", "attempts"),
    [
        (429, "answered 429", 3),
        (500, "answered 500", 3),
        (401, "check OPENAI_API_KEY", 1),
        (400, "answered 400", 1),
    ],
)
def test_a_lasting_provider_error_ends_the_turn_cleanly(
    client: Letta,
    http: httpx.Client,
    fake_llm: FakeLLM,
    status: int,
    fragment: str,
    attempts: int,
) -> None:
    agent = create_seed_agent(client)
    client.agents.messages.create(agent_id=agent.id, input="before")
    before = history_ids(client, agent.id)
    fake_llm.clear()
    response = http.post(f"/v1/agents/{agent.id}/messages", json={"input": f"[[error {status}]]"})
    assert response.status_code == 502
    assert response.headers["x-should-retry"] == "false"
    assert fragment in response.json()["detail"]
    assert "llm_api_error" in response.json()["detail"]
    assert len(fake_llm.chat_requests()) == attempts  # bounded: the SDK's own retries, no more
    assert history_ids(client, agent.id) == before
    run = next(iter(client.runs.list(agent_id=agent.id, statuses=["failed"])))
    assert run.stop_reason == "llm_api_error" and fragment in run.metadata["error"]
    assert (
        client.agents.messages.create(agent_id=agent.id, input="after").stop_reason.stop_reason
        == "end_turn"
    )


def test_an_empty_completion_ends_the_turn_without_messages(client: Letta) -> None:
    agent = create_seed_agent(client)
    response = client.agents.messages.create(agent_id=agent.id, input="[[empty]]")
    assert response.messages == []
    assert response.stop_reason.stop_reason == "end_turn"
    assert client.agents.messages.create(agent_id=agent.id, input="hi").messages


def test_a_provider_that_hangs_times_out(start_server) -> None:  # noqa: ANN001
    impatient = start_server(LETTALITE_LLM_TIMEOUT_SECONDS="0.3")
    client = Letta(base_url=impatient.url, max_retries=0)
    agent = create_seed_agent(client)
    response = httpx.post(
        f"{impatient.url}/v1/agents/{agent.id}/messages",
        json={"input": "[[sleep 5]] hello"},
        timeout=60,
    )
    assert response.status_code == 502
    assert "did not answer in time" in response.json()["detail"]
    assert [m.message_type for m in client.agents.messages.list(agent.id)] == ["system_message"]


def test_a_provider_asking_to_wait_past_the_budget_fails_the_turn_at_once(
    client: Letta, http: httpx.Client, fake_llm: FakeLLM
) -> None:
    """Retry-After: 90 would hold the conversation for minutes: the turn fails now (the
    default budget is 20 s), and the conversation is free for the next turn."""
    agent = create_seed_agent(client)
    fake_llm.clear()
    started = time.monotonic()
    response = http.post(
        f"/v1/agents/{agent.id}/messages", json={"input": "[[retry_after 90]] [[error 429]]"}
    )
    assert response.status_code == 502
    assert time.monotonic() - started < 10
    assert len(fake_llm.chat_requests()) == 1
    assert client.agents.messages.create(agent.id, input="next").stop_reason.stop_reason == (
        "end_turn"
    )


def test_a_short_retry_after_is_honoured(
    client: Letta, http: httpx.Client, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client)
    fake_llm.clear()
    started = time.monotonic()
    response = http.post(
        f"/v1/agents/{agent.id}/messages",
        json={"input": "[[retry_after 1]] [[error_times 2 503]] patience"},
    )
    assert response.status_code == 200
    assert time.monotonic() - started >= 2  # waited as asked before each of the two retries
    assert len(fake_llm.chat_requests()) == 3


def test_the_retry_budget_is_a_setting(start_server, fake_llm: FakeLLM) -> None:  # noqa: ANN001
    strict = start_server(LETTALITE_LLM_RETRY_BUDGET_SECONDS="0.5")
    client = Letta(base_url=strict.url, max_retries=0)
    agent = create_seed_agent(client)
    fake_llm.clear()
    response = httpx.post(
        f"{strict.url}/v1/agents/{agent.id}/messages",
        json={"input": "[[retry_after 1]] [[error_once 503]] budget"},
        timeout=30,
    )
    assert response.status_code == 502  # the one retry would start after the budget
    assert len(fake_llm.chat_requests()) == 1
