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
    client_tool_round_trip,
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
    call_id = client_tool_round_trip(client, agent.id, fake_anthropic.clear)
    [body] = fake_anthropic.messages_requests()
    [tool_result] = body["messages"][-1]["content"]
    assert tool_result["tool_use_id"] == call_id
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


THINKING = {"provider_type": "anthropic", "thinking": {"type": "enabled", "budget_tokens": 2048}}


def test_extended_thinking_goes_back_signed_through_a_tool_loop(
    client: Letta, fake_anthropic: FakeAnthropic
) -> None:
    agent = create_seed_agent(client, model=CLAUDE)
    client.agents.update(agent.id, model_settings=THINKING)
    fake_anthropic.clear()
    remember = quickstart(client, agent.id)  # the fake refuses unsigned or altered thinking
    thoughts = [m for m in remember.messages if m.message_type == "reasoning_message"]
    assert thoughts and all(t.signature and t.signature.startswith("sig-") for t in thoughts)
    bodies = fake_anthropic.messages_requests()
    assert {json.dumps(b["thinking"]) for b in bodies} == {
        json.dumps({"type": "enabled", "budget_tokens": 2048})
    }
    assert all("temperature" not in b and b["max_tokens"] > 2048 for b in bodies)
    # The call after the memory edit sends the edit's thinking back before its tool use.
    after_edit = next(b for b in bodies if b["messages"][-1]["content"][0]["type"] == "tool_result")
    [first, *_] = after_edit["messages"][-2]["content"]
    assert first["type"] == "thinking" and first["signature"].startswith("sig-")


def test_thinking_is_left_off_where_anthropic_would_refuse_it(
    client: Letta, fake_anthropic: FakeAnthropic
) -> None:
    # A client tool call made by another provider, answered after switching to Claude: the
    # call it goes on from has no signed thinking to send back.
    agent = create_seed_agent(client, model="openai/gpt-4o-mini")
    asked = list(
        client.conversations.messages.create(
            "default",
            agent_id=agent.id,
            input=call_directive("exec_command", cmd="ls"),
            client_tools=[EXEC],
        )
    )
    [request] = [c for c in asked if c.message_type == "approval_request_message"]
    client.agents.update(agent.id, model=CLAUDE, model_settings=THINKING)
    fake_anthropic.clear()
    result = {"type": "tool", "tool_call_id": request.tool_calls[0].tool_call_id}
    answered = list(
        client.conversations.messages.create(
            "default",
            agent_id=agent.id,
            messages=[
                {
                    "type": "approval",
                    "approvals": [{**result, "tool_return": "a", "status": "success"}],
                }
            ],
            client_tools=[EXEC],
        )
    )
    assert [c.stop_reason for c in answered if c.message_type == "stop_reason"] == ["end_turn"]
    [unsigned] = fake_anthropic.messages_requests()
    assert "thinking" not in unsigned and unsigned["temperature"] == 1.0
    fake_anthropic.clear()
    client.agents.messages.create(agent.id, input="Hello!")
    assert "thinking" in fake_anthropic.messages_requests()[0]  # from the next turn on

    # A rule that forces a tool: Anthropic takes no thinking with a forced tool choice.
    forced = create_seed_agent(
        client,
        model=CLAUDE,
        tool_rules=[{"type": "run_first", "tool_name": "conversation_search"}],
    )
    client.agents.update(forced.id, model_settings=THINKING)
    fake_anthropic.clear()
    client.agents.messages.create(forced.id, input=call_directive("conversation_search", query="x"))
    [forced_call, going_on] = fake_anthropic.messages_requests()
    assert forced_call["tool_choice"]["type"] == "tool" and "thinking" not in forced_call
    assert "thinking" not in going_on  # it goes on from the forced call, which did not think
