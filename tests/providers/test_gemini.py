"""Agents on `google_ai/<model>` through the official Python SDK, against the scripted Gemini
API; what Gemini was sent is read from the fake's request log."""

import json

import pytest
from letta_client import Letta
from letta_client.types import AgentState

from tests.factories import SEED_HUMAN, SEED_PERSONA, call_directive, create_seed_agent
from tests.providers.conftest import GEMINI_KEY
from tests.providers.scenarios import (
    NAME_REQUEST,
    client_tool_round_trip,
    human,
    quickstart,
    replayed_through_openai,
    replies,
    streamed_memory_edit,
)
from tests.servers import FakeGemini, FakeLLM

GEMINI = "google_ai/gemini-2.5-flash"
EXEC = {
    "name": "exec_command",
    "description": "Run a shell command on the user's machine",
    "parameters": {
        "type": "object",
        "properties": {"cmd": {"type": "string"}},
        "additionalProperties": False,
    },
}


@pytest.fixture
def agent(client: Letta) -> AgentState:
    return create_seed_agent(client, model=GEMINI)


def test_a_gemini_agent_reports_its_model(agent: AgentState, client: Letta) -> None:
    config = client.agents.retrieve(agent.id).llm_config
    assert (config.handle, config.model, config.api_model_endpoint_type) == (
        GEMINI,
        "gemini-2.5-flash",
        "google_ai",
    )
    assert config.context_window == 128_000  # Gemini's 1 048 576, capped by default
    models = {m.handle: m for m in client.models.list()}
    assert models[GEMINI].max_context_window == 1_048_576
    embeddings = {m.handle: m for m in client.models.embeddings.list()}
    assert embeddings["google_ai/text-embedding-004"].embedding_dim == 768


def test_seed_quickstart(agent: AgentState, client: Letta, fake_gemini: FakeGemini) -> None:
    fake_gemini.clear()
    remember = quickstart(client, agent.id)
    [call] = [m.tool_call for m in remember.messages if m.message_type == "tool_call_message"]
    assert call.tool_call_id.startswith("call_")  # minted: Gemini's calls have no ids

    logged = fake_gemini.generate_logged()
    assert {r["headers"]["x-goog-api-key"] for r in logged} == {GEMINI_KEY}
    assert logged[0]["path"] == "/v1beta/models/gemini-2.5-flash:generateContent"
    first, after_tool = logged[0]["body"], logged[2]["body"]
    assert SEED_PERSONA in first["systemInstruction"]["parts"][0]["text"]
    assert {c["role"] for c in first["contents"]} <= {"user", "model"}
    [declarations] = [tool["functionDeclarations"] for tool in first["tools"]]
    replace = next(d for d in declarations if d["name"] == "memory_replace")
    assert replace["parameters"]["type"] == "object"
    assert first["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}
    [function_call] = [p for p in after_tool["contents"][-2]["parts"] if "functionCall" in p]
    [response] = after_tool["contents"][-1]["parts"]
    assert response["functionResponse"]["name"] == function_call["functionCall"]["name"]


def test_token_streaming(agent: AgentState, client: Letta, fake_gemini: FakeGemini) -> None:
    fake_gemini.clear()
    streamed_memory_edit(client, agent.id, arguments_in_pieces=False)
    paths = [r["path"] for r in fake_gemini.requests()]
    assert paths == ["/v1beta/models/gemini-2.5-flash:streamGenerateContent"] * 2


def test_client_tool_approval_round_trip(
    agent: AgentState, client: Letta, fake_gemini: FakeGemini
) -> None:
    client_tool_round_trip(client, agent.id, fake_gemini.clear, tool=EXEC)
    [body] = fake_gemini.generate_requests()
    [declaration] = [
        d for t in body["tools"] for d in t["functionDeclarations"] if d["name"] == "exec_command"
    ]
    assert "additionalProperties" not in declaration["parameters"]
    [part] = body["contents"][-1]["parts"]
    assert part["functionResponse"]["name"] == "exec_command"
    assert part["functionResponse"]["response"]["message"] == "file1\nfile2"


def test_switching_provider_between_turns_keeps_history_and_memory(
    agent: AgentState, client: Letta, fake_gemini: FakeGemini, fake_llm: FakeLLM
) -> None:
    client.agents.messages.create(agent.id, input=NAME_REQUEST)  # a tool call, on Gemini

    replayed_through_openai(client, fake_llm, agent.id)

    client.agents.update(agent.id, model=GEMINI)
    fake_gemini.clear()
    back = client.agents.messages.create(agent.id, input="What is my name?")
    assert replies(back) == ["Your name is Robin."]
    assert human(client, agent.id) == SEED_HUMAN.replace("User", "Robin")
    [body] = fake_gemini.generate_requests()
    parts = [p for c in body["contents"] for p in c["parts"]]
    calls = [p["functionCall"] for p in parts if "functionCall" in p]
    responses = [p["functionResponse"] for p in parts if "functionResponse" in p]
    assert [c["name"] for c in calls] == ["memory_replace", "memory_replace"]
    assert [r["name"] for r in responses] == ["memory_replace", "memory_replace"]
    assert calls[1]["args"]["new_string"] == "Name: Robin"


def test_archival_memory_with_a_gemini_embedding(client: Letta, fake_gemini: FakeGemini) -> None:
    agent = create_seed_agent(
        client,
        model=GEMINI,
        embedding="google_ai/text-embedding-004",
        tools=["archival_memory_insert", "archival_memory_search"],
    )
    fake_gemini.clear()
    for text in ["Cameron keeps bees on the roof", "The budget review happens in March"]:
        client.agents.passages.create(agent.id, text=text)
    [found] = client.agents.passages.search(agent.id, query="bees roof", top_k=1).results
    assert found.content == "Cameron keeps bees on the roof"
    embedded = [r for r in fake_gemini.requests() if r["path"].endswith(":batchEmbedContents")]
    assert embedded[0]["path"] == "/v1beta/models/text-embedding-004:batchEmbedContents"
    assert len(embedded) == 3  # two passages and the query

    response = client.agents.messages.create(
        agent.id, input=call_directive("archival_memory_search", query="budget March", top_k=1)
    )
    [returned] = [m for m in response.messages if m.message_type == "tool_return_message"]
    assert json.loads(returned.tool_return)[0]["content"] == "The budget review happens in March"


def test_parallel_calls_of_one_tool_are_answered_in_order(
    agent: AgentState, client: Letta, fake_gemini: FakeGemini
) -> None:
    text = (
        "[[parallel]]"
        + call_directive("memory_insert", label="human", new_string="Likes tea")
        + call_directive("memory_insert", label="human", new_string="Plays chess")
    )
    fake_gemini.clear()
    chunks = list(
        client.agents.messages.create(agent.id, input=text, streaming=True, stream_tokens=True)
    )
    returns = [c for c in chunks if c.message_type == "tool_return_message"]
    call_ids = {c.tool_call.tool_call_id for c in chunks if c.message_type == "tool_call_message"}
    assert len(call_ids) == 2 and {r.tool_call_id for r in returns} == call_ids
    assert [r.status for r in returns] == ["success", "success"]
    assert "Likes tea" in human(client, agent.id) and "Plays chess" in human(client, agent.id)
    after_tools = fake_gemini.generate_requests()[-1]
    answers = [p for p in after_tools["contents"][-1]["parts"] if "functionResponse" in p]
    assert [a["functionResponse"]["name"] for a in answers] == ["memory_insert"] * 2
