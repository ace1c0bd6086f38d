"""Agents on `ollama/<model>` through the official Python SDK, against the scripted Ollama API
(native `/api/chat` and `/api/embed`); what Ollama was sent is read from the fake's log."""


import httpx
import pytest
from letta_client import Letta
from letta_client.types import AgentState

from tests.factories import SEED_PERSONA, create_seed_agent
from tests.providers.scenarios import (
    NAME_REQUEST,
    quickstart,
    replies,
    streamed_memory_edit,
)
from tests.servers import FakeLLM, FakeOllama

LLAMA = "ollama/llama3.2"
EMBEDDING = "ollama/nomic-embed-text"
FACTS = [
    "Cameron keeps bees on the roof of the old bakery",
    "The quarterly budget review happens every March",
]
OVERFLOW = "prompt too long; exceeded max context length by 2048 tokens"


@pytest.fixture
def agent(client: Letta) -> AgentState:
    return create_seed_agent(client, model=LLAMA)


def test_an_ollama_agent_reports_its_model(agent: AgentState, client: Letta) -> None:
    config = client.agents.retrieve(agent.id).llm_config
    assert (config.handle, config.model, config.api_model_endpoint_type) == (
        LLAMA,
        "llama3.2",
        "ollama",
    )


def test_seed_quickstart(agent: AgentState, client: Letta, fake_ollama: FakeOllama) -> None:
    fake_ollama.clear()
    quickstart(client, agent.id)
    sent = fake_ollama.chat_requests()
    assert len(sent) == 4  # hello, the tool call and the answer after it, recall
    first, after_tool = sent[0], sent[2]
    assert (first["model"], first["stream"]) == ("llama3.2", False)
    assert first["options"]["num_ctx"] == 32_000  # the agent's window, not Ollama's default
    assert first["messages"][0]["role"] == "system"
    assert SEED_PERSONA in first["messages"][0]["content"]
    assert "tool_choice" not in first  # Ollama has none
    assert {t["function"]["name"] for t in first["tools"]} >= {"memory_replace"}
    [call_message] = [m for m in after_tool["messages"] if m.get("tool_calls")]
    [call] = call_message["tool_calls"]
    assert call["function"]["arguments"]["new_string"] == "Name: Cameron"  # an object
    assert after_tool["messages"][-1]["role"] == "tool"
    assert after_tool["messages"][-1]["tool_name"] == "memory_replace"


def test_token_streaming(agent: AgentState, client: Letta, fake_ollama: FakeOllama) -> None:
    fake_ollama.clear()
    streamed_memory_edit(client, agent.id, arguments_in_pieces=False)
    assert [body["stream"] for body in fake_ollama.chat_requests()] == [True, True]


def test_archival_memory_with_an_ollama_embedding_model(
    client: Letta, fake_ollama: FakeOllama
) -> None:
    agent = create_seed_agent(client, model=LLAMA, embedding=EMBEDDING)
    fake_ollama.clear()
    for text in FACTS:
        [passage] = client.agents.passages.create(agent.id, text=text)
        assert passage.embedding_config.handle == EMBEDDING
        assert passage.embedding_config.embedding_dim == 768
    found = client.agents.passages.search(agent.id, query="who keeps bees on a roof?")
    assert found.results[0].content == FACTS[0]
    embeds = [r["body"] for r in fake_ollama.requests() if r["path"] == "/api/embed"]
    assert [body["model"] for body in embeds] == ["nomic-embed-text"] * 3
    assert embeds[0]["input"] == [FACTS[0]]


def test_a_failure_once_is_retried(
    agent: AgentState, client: Letta, fake_ollama: FakeOllama
) -> None:
    fake_ollama.clear()
    response = client.agents.messages.create(agent.id, input="[[error_once 503]] hi")
    assert response.stop_reason.stop_reason == "end_turn"
    assert len(fake_ollama.chat_requests()) == 2


def test_a_context_overflow_compacts_and_tries_again(
    agent: AgentState, client: Letta, fake_ollama: FakeOllama
) -> None:
    for number in range(4):
        client.agents.messages.create(agent.id, input=f"message {number}")
    fake_ollama.clear()
    response = client.agents.messages.create(
        agent.id, input=f"[[error_once 400 {OVERFLOW}]] hello again"
    )
    assert response.stop_reason.stop_reason == "end_turn"
    sent = fake_ollama.chat_requests()
    assert len(sent) == 3 and sum(not body.get("tools") for body in sent) == 1  # the summary


def test_a_lasting_error_is_a_502_naming_ollama(
    agent: AgentState, client: Letta, http: httpx.Client
) -> None:
    before = [m.id for m in client.agents.messages.list(agent.id)]
    response = http.post(f"/v1/agents/{agent.id}/messages", json={"input": "[[error 404 nope]]"})
    assert response.status_code == 502
    assert "Ollama answered 404: nope" in response.json()["detail"]
    assert [m.id for m in client.agents.messages.list(agent.id)] == before


def test_fully_local_without_any_cloud_key(
    start_server, fake_ollama: FakeOllama, fake_llm: FakeLLM
) -> None:
    server = start_server(
        OPENAI_API_KEY=None, OPENAI_BASE_URL=None, OLLAMA_BASE_URL=fake_ollama.base_url
    )
    client = Letta(base_url=server.url)
    fake_llm.clear()
    with pytest.raises(Exception) as raised:
        create_seed_agent(client, model="openai/gpt-4o-mini")
    assert getattr(raised.value, "status_code", None) == 404
    assert "configured: ollama" in str(raised.value)

    agent = create_seed_agent(client, model=LLAMA, embedding=EMBEDDING)
    quickstart(client, agent.id)
    client.agents.passages.create(agent.id, text=FACTS[0])
    [found] = client.agents.passages.search(agent.id, query="bees on the roof").results
    assert found.content == FACTS[0]
    assert fake_llm.requests() == []  # nothing went to an OpenAI-compatible server


def test_tool_calls_replay_between_ollama_and_a_named_openai_compatible_server(
    agent: AgentState, client: Letta, fake_ollama: FakeOllama, fake_llm: FakeLLM
) -> None:
    client.agents.messages.create(agent.id, input=NAME_REQUEST)  # a tool call, on Ollama
    client.agents.update(agent.id, model="lmstudio/qwen2.5-7b-instruct")
    fake_llm.clear()
    assert replies(client.agents.messages.create(agent.id, input="What is my name?")) == [
        "Your name is Cameron."
    ]
    [sent] = fake_llm.chat_requests()
    [replayed] = [m for m in sent["messages"] if m.get("tool_calls")]
    [tool_message] = [m for m in sent["messages"] if m["role"] == "tool"]
    assert tool_message["tool_call_id"] == replayed["tool_calls"][0]["id"]
    client.agents.messages.create(agent.id, input="My name is Robin.")  # a call on lmstudio

    client.agents.update(agent.id, model=LLAMA)
    fake_ollama.clear()
    back = client.agents.messages.create(agent.id, input="What is my name?")
    assert replies(back) == ["Your name is Robin."]
    [body] = fake_ollama.chat_requests()
    calls = [c for m in body["messages"] for c in m.get("tool_calls", [])]
    assert [c["function"]["arguments"]["new_string"] for c in calls] == [
        "Name: Cameron",
        "Name: Robin",
    ]
    results = [m["tool_name"] for m in body["messages"] if m["role"] == "tool"]
    assert results == ["memory_replace", "memory_replace"]
