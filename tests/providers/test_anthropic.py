"""Agents on `anthropic/<model>` through the official Python SDK, against the scripted
Anthropic Messages API; what Anthropic was sent is read from the fake's request log."""

import json

import pytest
from letta_client import Letta
from letta_client.types import AgentState

from tests.factories import SEED_HUMAN, SEED_PERSONA, call_directive, create_seed_agent
from tests.providers.conftest import ANTHROPIC_KEY
from tests.providers.scenarios import (
    EXEC,
    NAME_REQUEST,
    human,
    quickstart,
    replayed_through_openai,
    replies,
    streamed_memory_edit,
)
from tests.servers import FakeAnthropic, FakeLLM

CLAUDE = "anthropic/claude-sonnet-4-5"


@pytest.fixture
def agent(client: Letta) -> AgentState:
    return create_seed_agent(client, model=CLAUDE)


def test_an_anthropic_agent_reports_its_model(agent: AgentState, client: Letta) -> None:
    config = client.agents.retrieve(agent.id).llm_config
    assert (config.handle, config.model, config.api_model_endpoint_type) == (
        CLAUDE,
        "claude-sonnet-4-5",
        "anthropic",
    )
    assert config.context_window == 128_000  # Claude's 200 000, capped by default
    models = {m.handle: m for m in client.models.list()}
    assert models[CLAUDE].max_context_window == 200_000
    assert "openai/gpt-4o-mini" in models


def test_seed_quickstart(agent: AgentState, client: Letta, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.clear()
    quickstart(client, agent.id)

    logged = [r for r in fake_anthropic.requests() if r["path"] == "/v1/messages"]
    assert {r["headers"]["authorization"] for r in logged} == {f"Bearer {ANTHROPIC_KEY}"}
    first, after_tool = logged[0]["body"], logged[2]["body"]
    assert first["model"] == "claude-sonnet-4-5" and first["max_tokens"] == 4096
    assert SEED_PERSONA in first["system"]
    assert all(m["role"] != "system" for m in first["messages"])
    tools = {t["name"]: t for t in first["tools"]}
    assert tools["memory_replace"]["input_schema"]["type"] == "object"
    assert first["tool_choice"] == {"type": "auto"}
    [tool_use] = [b for b in after_tool["messages"][-2]["content"] if b["type"] == "tool_use"]
    result = after_tool["messages"][-1]["content"][0]
    assert (result["type"], result["tool_use_id"]) == ("tool_result", tool_use["id"])


def test_token_streaming(agent: AgentState, client: Letta, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.clear()
    streamed_memory_edit(client, agent.id, arguments_in_pieces=True)
    assert [body.get("stream") for body in fake_anthropic.messages_requests()] == [True, True]


def test_client_tool_approval_round_trip(
    agent: AgentState, client: Letta, fake_anthropic: FakeAnthropic
) -> None:
    chunks = list(
        client.conversations.messages.create(
            "default",
            agent_id=agent.id,
            input=call_directive("exec_command", cmd="ls"),
            client_tools=[EXEC],
        )
    )
    [request] = [c for c in chunks if c.message_type == "approval_request_message"]
    assert [c.stop_reason for c in chunks if c.message_type == "stop_reason"] == [
        "requires_approval"
    ]
    [call] = request.tool_calls
    assert (call.name, json.loads(call.arguments)) == ("exec_command", {"cmd": "ls"})

    fake_anthropic.clear()
    result = {
        "type": "tool",
        "tool_call_id": call.tool_call_id,
        "tool_return": "file1\nfile2",
        "status": "success",
    }
    answered = list(
        client.conversations.messages.create(
            "default",
            agent_id=agent.id,
            messages=[{"type": "approval", "approvals": [result]}],
            client_tools=[EXEC],
        )
    )
    [reply] = [c.content for c in answered if c.message_type == "assistant_message"]
    assert json.loads(reply.removeprefix("Done. Last tool result: "))["message"] == "file1\nfile2"
    [body] = fake_anthropic.messages_requests()
    [tool_result] = body["messages"][-1]["content"]
    assert tool_result["tool_use_id"] == call.tool_call_id
    assert "file1" in tool_result["content"]


def test_switching_provider_between_turns_keeps_history_and_memory(
    agent: AgentState, client: Letta, fake_anthropic: FakeAnthropic, fake_llm: FakeLLM
) -> None:
    client.agents.messages.create(agent.id, input=NAME_REQUEST)  # a tool call, on Claude

    replayed_through_openai(client, fake_llm, agent.id)

    client.agents.update(agent.id, model=CLAUDE)
    fake_anthropic.clear()
    back = client.agents.messages.create(agent.id, input="What is my name?")
    assert replies(back) == ["Your name is Robin."]
    assert human(client, agent.id) == SEED_HUMAN.replace("User", "Robin")
    [body] = fake_anthropic.messages_requests()
    uses = [b for m in body["messages"] for b in m["content"] if b["type"] == "tool_use"]
    results = [b for m in body["messages"] for b in m["content"] if b["type"] == "tool_result"]
    assert [u["name"] for u in uses] == ["memory_replace", "memory_replace"]
    assert [r["tool_use_id"] for r in results] == [u["id"] for u in uses]
    assert uses[1]["input"]["new_string"] == "Name: Robin"
    history = list(client.agents.messages.list(agent.id, order="asc"))
    texts = [m.content for m in history if m.message_type == "user_message"]
    assert texts[-3:] == ["What is my name?", "My name is Robin.", "What is my name?"]
