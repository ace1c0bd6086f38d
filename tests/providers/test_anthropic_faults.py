"""Anthropic's failures keep the provider guarantees: retried within bounds, an overflow
compacts and tries again, a lasting error is a 502 naming Anthropic with nothing stored."""

import asyncio

import httpx
import pytest
from letta_client import Letta

from lettalite.llm.anthropic_provider import AnthropicProvider
from lettalite.llm.retries import RetryPolicy
from lettalite.llm.types import LLMError
from tests.factories import create_seed_agent
from tests.servers import FakeAnthropic

CLAUDE = "anthropic/claude-haiku-4-5"
OVERFLOW = "prompt is too long: 250000 tokens > 200000 maximum"


def test_overloaded_once_is_retried(client: Letta, fake_anthropic: FakeAnthropic) -> None:
    agent = create_seed_agent(client, model=CLAUDE)
    fake_anthropic.clear()
    response = client.agents.messages.create(agent.id, input="[[error_once 529]] hi")
    assert response.stop_reason.stop_reason == "end_turn"
    assert len(fake_anthropic.messages_requests()) == 2


def test_a_context_overflow_compacts_and_tries_again(
    client: Letta, fake_anthropic: FakeAnthropic
) -> None:
    agent = create_seed_agent(client, model=CLAUDE)
    for number in range(4):
        client.agents.messages.create(agent.id, input=f"message {number}")
    fake_anthropic.clear()
    response = client.agents.messages.create(
        agent.id, input=f"[[error_once 400 {OVERFLOW}]] hello again"
    )
    assert response.stop_reason.stop_reason == "end_turn"
    sent = fake_anthropic.messages_requests()
    summaries = [body for body in sent if not body.get("tools")]
    assert len(sent) == 3 and len(summaries) == 1  # failed, summary, answered
    first_text = [m["content"][0]["text"] for m in (sent[0]["messages"][0], sent[2]["messages"][0])]
    assert first_text[0] == "message 0"
    assert first_text[1].startswith("[Summary of the earlier conversation")


def test_a_lasting_error_is_a_502_naming_anthropic(
    client: Letta, http: httpx.Client, fake_anthropic: FakeAnthropic
) -> None:
    agent = create_seed_agent(client, model=CLAUDE)
    before = [m.id for m in client.agents.messages.list(agent.id)]
    fake_anthropic.clear()
    response = http.post(f"/v1/agents/{agent.id}/messages", json={"input": "[[error 400 no]]"})
    assert response.status_code == 502
    assert "Anthropic answered 400: " in response.json()["detail"]
    assert len(fake_anthropic.messages_requests()) == 1
    assert [m.id for m in client.agents.messages.list(agent.id)] == before


def test_embedding_with_anthropic_is_a_clear_error() -> None:
    provider = AnthropicProvider(
        base_url="http://127.0.0.1:9", api_key="k", timeout=1, retries=RetryPolicy()
    )
    with pytest.raises(LLMError, match="Anthropic has no embedding models"):
        asyncio.run(provider.embed("claude-haiku-4-5", ["text"]))
