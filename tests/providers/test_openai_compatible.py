"""Agents on named OpenAI-compatible servers (`<name>/<model>`, LETTALITE_OPENAI_COMPATIBLE)
through the official Python SDK; both names point at the scripted fake_llm with their own key,
so the key each request carried says which provider sent it."""

import json
from typing import Any

import pytest
from letta_client import Letta
from pydantic import ValidationError

from lettalite.config import Settings
from tests.factories import SEED_HUMAN, create_seed_agent
from tests.providers.conftest import COMPATIBLE_KEYS
from tests.providers.scenarios import client_tool_round_trip
from tests.servers import FakeLLM

NAME_REQUEST = "My name is Cameron. Please store this information in your memory."


def replies(response: Any) -> list[str]:
    return [m.content for m in response.messages if m.message_type == "assistant_message"]


def sent_with(fake_llm: FakeLLM) -> list[tuple[str, str]]:
    """(Authorization, model) of each chat request the fake received."""
    return [
        (r["headers"]["authorization"], r["body"]["model"])
        for r in fake_llm.requests()
        if r["path"].endswith("/chat/completions")
    ]


@pytest.mark.parametrize(
    ("provider", "model"), [("lmstudio", "qwen2.5-7b-instruct"), ("groq", "llama-3.3-70b")]
)
def test_seed_quickstart_on_a_named_server(
    client: Letta, fake_llm: FakeLLM, provider: str, model: str
) -> None:
    agent = create_seed_agent(client, model=f"{provider}/{model}")
    config = client.agents.retrieve(agent.id).llm_config
    assert (config.handle, config.model, config.api_model_endpoint) == (
        f"{provider}/{model}",
        model,
        fake_llm.base_url,
    )
    assert (config.api_model_endpoint_type, config.provider_name) == ("openai", provider)
    fake_llm.clear()
    hello = client.agents.messages.create(agent.id, input="Hello! What's your purpose?")
    assert replies(hello)[0].startswith("Hello! I'm your stateful assistant.")
    remember = client.agents.messages.create(agent.id, input=NAME_REQUEST)
    [call] = [m.tool_call for m in remember.messages if m.message_type == "tool_call_message"]
    assert json.loads(call.arguments)["new_string"] == "Name: Cameron"
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value == SEED_HUMAN.replace(
        "User", "Cameron"
    )
    recall = client.agents.messages.create(agent.id, input="What is my name?")
    assert replies(recall) == ["Your name is Cameron."]
    # hello, the tool call and the answer after it, recall: each with this provider's key.
    expected = (f"Bearer {COMPATIBLE_KEYS[provider]}", model)
    assert sent_with(fake_llm) == [expected] * 4


def test_switching_between_named_servers_keeps_history_and_memory(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client, model="lmstudio/qwen2.5-7b-instruct")
    client.agents.messages.create(agent.id, input=NAME_REQUEST)

    client.agents.update(agent.id, model="groq/llama-3.3-70b")
    fake_llm.clear()
    on_groq = client.agents.messages.create(agent.id, input="What is my name?")
    assert replies(on_groq) == ["Your name is Cameron."]
    assert sent_with(fake_llm) == [("Bearer groq-key", "llama-3.3-70b")]
    [sent] = fake_llm.chat_requests()
    [replayed] = [m for m in sent["messages"] if m.get("tool_calls")]
    [tool_message] = [m for m in sent["messages"] if m["role"] == "tool"]
    assert replayed["tool_calls"][0]["function"]["name"] == "memory_replace"
    assert tool_message["tool_call_id"] == replayed["tool_calls"][0]["id"]

    client.agents.update(agent.id, model="lmstudio/qwen2.5-7b-instruct")
    fake_llm.clear()
    client.agents.messages.create(agent.id, input="My name is Robin.")
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value == SEED_HUMAN.replace(
        "User", "Robin"
    )
    assert {auth for auth, _ in sent_with(fake_llm)} == {"Bearer lmstudio-key"}


def test_an_unconfigured_name_is_not_found_and_names_the_configured_ones(client: Letta) -> None:
    with pytest.raises(Exception) as raised:
        create_seed_agent(client, model="vllm/some-model")
    assert getattr(raised.value, "status_code", None) == 404
    assert "lmstudio" in str(raised.value) and "groq" in str(raised.value)


@pytest.mark.parametrize("name", ["openai", "ollama", "has/slash", ""])
def test_a_named_server_may_not_take_a_built_in_or_malformed_name(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers = json.dumps({name: {"base_url": "http://127.0.0.1:1234/v1"}})
    monkeypatch.setenv("LETTALITE_OPENAI_COMPATIBLE", servers)
    with pytest.raises(ValidationError, match="cannot name an OpenAI-compatible server"):
        Settings(_env_file=None)


def test_archival_memory_with_a_named_server_embedding_model(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client, embedding="groq/text-embedding-3-small")
    fake_llm.clear()
    [passage] = client.agents.passages.create(agent.id, text="Cameron keeps bees")
    assert passage.embedding_config.handle == "groq/text-embedding-3-small"
    [found] = client.agents.passages.search(agent.id, query="who keeps bees?").results
    assert found.content == "Cameron keeps bees"
    embeds = [r for r in fake_llm.requests() if r["path"].endswith("/embeddings")]
    assert len(embeds) == 2
    assert {r["headers"]["authorization"] for r in embeds} == {"Bearer groq-key"}


def test_client_tool_approval_round_trip_on_a_named_server(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client, model="groq/gpt-4o-mini")
    call_id = client_tool_round_trip(client, agent.id, fake_llm.clear)
    assert [key for key, _ in sent_with(fake_llm)] == [f"Bearer {COMPATIBLE_KEYS['groq']}"]
    [body] = fake_llm.chat_requests()
    assert body["messages"][-1] == {
        "role": "tool",
        "tool_call_id": call_id,
        "content": body["messages"][-1]["content"],
    }
    assert "file1" in body["messages"][-1]["content"]
