"""Tool rules enforced in real turns: what the model is offered and forced to call, which
calls run, and when the turn stops. The scripted model obeys `tool_choice` like a real one
and otherwise follows its `[[call ...]]` directives, which may break the rules."""

import json
from typing import Any

import pytest
from letta_client import Letta

from tests.factories import SEED_HUMAN, create_seed_agent
from tests.factories import call_directive as call
from tests.servers import FakeLLM

CONSTRAINT = "[ToolConstraintError] Cannot call {name}, valid tools include: {valid}."
HEARTBEAT_REASON = (
    "[This is an automated system message hidden from the user] ToolRuleViolated: "
    "You must call conversation_search at least once to exit the loop."
)


def rule(kind: str, tool: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "tool_name": tool, **fields}


def send(client: Letta, agent_id: str, text: str, **options: Any):
    return client.agents.messages.create(agent_id=agent_id, input=text, **options)


def of_type(response, message_type: str) -> list:
    return [m for m in response.messages if m.message_type == message_type]


def called(response) -> list[tuple[str, dict[str, Any]]]:
    return [
        (m.tool_call.name, json.loads(m.tool_call.arguments))
        for m in of_type(response, "tool_call_message")
    ]


def offered(request: dict[str, Any]) -> list[str]:
    return [tool["function"]["name"] for tool in request.get("tools", [])]


def forced(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}


def test_run_first_forces_its_tool_first_with_its_arguments(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(
        client, tool_rules=[rule("run_first", "conversation_search", args={"query": "fixed"})]
    )
    fake_llm.clear()
    # The model wants memory_insert first; the forced call comes first instead.
    response = send(client, agent.id, call("memory_insert", label="human", new_string="x"))
    first, second = fake_llm.chat_requests()
    assert (offered(first), first["tool_choice"]) == (
        ["conversation_search"],
        forced("conversation_search"),
    )
    assert second["tool_choice"] == "auto" and "memory_insert" in offered(second)
    assert called(response) == [("conversation_search", {"query": "fixed"})]
    assert response.stop_reason.stop_reason == "end_turn"
    # Every request starts over; the rule's arguments override the model's own.
    again = send(client, agent.id, call("conversation_search", query="mine", limit=2))
    assert called(again) == [("conversation_search", {"query": "fixed", "limit": 2})]


def test_exit_loop_ends_the_turn_after_the_tool_without_another_model_call(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client, tool_rules=[rule("exit_loop", "memory_insert")])
    fake_llm.clear()
    text = call("memory_insert", label="human", new_string="Likes: tea") + call(
        "conversation_search", query="tea"
    )
    response = send(client, agent.id, text)
    assert response.stop_reason.stop_reason == "tool_rule"
    assert len(fake_llm.chat_requests()) == 1
    assert [name for name, _ in called(response)] == ["memory_insert"]
    assert of_type(response, "assistant_message") == []
    value = client.agents.blocks.retrieve("human", agent_id=agent.id).value
    assert value == SEED_HUMAN + "\nLikes: tea"
    [run] = list(client.runs.list(agent_id=agent.id))
    assert (run.status, run.stop_reason) == ("completed", "tool_rule")


def test_constrain_child_tools_offers_only_the_children_after_the_parent(
    client: Letta, fake_llm: FakeLLM
) -> None:
    children = rule(
        "constrain_child_tools",
        "conversation_search",
        children=["memory_insert"],
        child_arg_nodes=[{"name": "memory_insert", "args": {"label": "human"}}],
    )
    agent = create_seed_agent(client, tool_rules=[children])
    fake_llm.clear()
    text = call("conversation_search", query="a") + call(
        "memory_insert", label="persona", new_string="Likes: tea"
    )
    response = send(client, agent.id, text)
    first, second, third = fake_llm.chat_requests()
    assert first["tool_choice"] == "auto" and len(offered(first)) == 3
    assert (offered(second), second["tool_choice"]) == (["memory_insert"], forced("memory_insert"))
    assert third["tool_choice"] == "auto" and len(offered(third)) == 3
    # The child's prefilled label overrides the model's.
    assert called(response)[1] == ("memory_insert", {"label": "human", "new_string": "Likes: tea"})
    value = client.agents.blocks.retrieve("human", agent_id=agent.id).value
    assert value == SEED_HUMAN + "\nLikes: tea"


@pytest.mark.parametrize(
    ("output", "child"),
    [("no", "conversation_search"), ("perhaps", "memory_replace")],
    ids=["mapped", "default-child"],
)
def test_conditional_picks_the_next_tool_by_what_the_tool_returned(
    client: Letta, fake_llm: FakeLLM, output: str, child: str
) -> None:
    conditional = rule(
        "conditional",
        "memory_rethink",
        child_output_mapping={"yes": "memory_insert", "no": "conversation_search"},
        default_child="memory_replace",
    )
    agent = create_seed_agent(
        client,
        tools=["memory_rethink"],
        tool_rules=[conditional],
        memory_blocks=[{"label": "status", "value": ""}],
    )
    fake_llm.clear()
    # memory_rethink returns the block's new value: the output the mapping reads.
    response = send(client, agent.id, call("memory_rethink", label="status", new_memory=output))
    second = fake_llm.chat_requests()[1]
    assert (offered(second), second["tool_choice"]) == ([child], forced(child))
    assert [name for name, _ in called(response)] == ["memory_rethink", child]


def test_parent_last_tool_allows_its_children_only_right_after_it(
    client: Letta, fake_llm: FakeLLM
) -> None:
    parent = rule("parent_last_tool", "conversation_search", children=["memory_insert"])
    agent = create_seed_agent(client, tool_rules=[parent])
    fake_llm.clear()
    insert = call("memory_insert", label="human", new_string="Likes: tea")
    refused = send(client, agent.id, insert)
    [request, _] = fake_llm.chat_requests()
    assert "memory_insert" not in offered(request) and request["tool_choice"] == "auto"
    [result] = of_type(refused, "tool_return_message")
    expected = CONSTRAINT.format(name="memory_insert", valid=offered(request))
    assert (result.status, result.tool_return) == ("error", expected)
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value == SEED_HUMAN

    fake_llm.clear()
    allowed = send(client, agent.id, call("conversation_search", query="x") + insert)
    second = fake_llm.chat_requests()[1]
    assert (offered(second), second["tool_choice"]) == (["memory_insert"], "auto")
    assert [r.status for r in of_type(allowed, "tool_return_message")] == ["success", "success"]
    value = client.agents.blocks.retrieve("human", agent_id=agent.id).value
    assert value == SEED_HUMAN + "\nLikes: tea"


@pytest.mark.parametrize("parallel", [False, True], ids=["one-per-step", "same-step"])
def test_max_count_per_step_refuses_the_call_over_the_limit(
    client: Letta, fake_llm: FakeLLM, parallel: bool
) -> None:
    limit = rule("max_count_per_step", "conversation_search", max_count_limit=1)
    agent = create_seed_agent(client, tool_rules=[limit])
    fake_llm.clear()
    text = call("conversation_search", query="a") + call("conversation_search", query="b")
    response = send(client, agent.id, ("[[parallel]]" if parallel else "") + text)
    first, second, *_ = fake_llm.chat_requests()
    assert "conversation_search" in offered(first)
    returns = of_type(response, "tool_return_message")
    assert [r.status for r in returns] == ["success", "error"]
    valid = [name for name in offered(first) if name != "conversation_search"]
    assert returns[1].tool_return == CONSTRAINT.format(name="conversation_search", valid=valid)
    assert offered(second) == valid
    assert response.stop_reason.stop_reason == "end_turn"


def test_required_before_exit_sends_the_model_back_with_a_heartbeat(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(
        client, tool_rules=[rule("required_before_exit", "conversation_search")]
    )
    fake_llm.clear()
    response = send(client, agent.id, "[[say hi]]")
    first, second, third = fake_llm.chat_requests()
    heartbeat = json.loads(second["messages"][-1]["content"])
    assert second["messages"][-1]["role"] == "user"
    assert (heartbeat["type"], heartbeat["reason"]) == ("heartbeat", HEARTBEAT_REASON)
    assert [name for name, _ in called(response)] == ["conversation_search"]
    assert of_type(response, "assistant_message")[0].content == "hi"
    assert response.stop_reason.stop_reason == "end_turn"
    # Stored as a user message (not sent back in the response), like Letta's.
    assert of_type(response, "user_message") == []
    stored = client.agents.messages.list(agent_id=agent.id, limit=20, order="asc").items
    notes = [m.content for m in stored if m.message_type == "user_message"]
    assert [json.loads(n)["reason"] for n in notes if n.startswith("{")] == [HEARTBEAT_REASON]
    assert len(third["messages"]) > len(second["messages"])

    fake_llm.clear()
    last_step = send(client, agent.id, "[[say bye]]", max_steps=1)
    assert len(fake_llm.chat_requests()) == 1
    assert last_step.stop_reason.stop_reason == "end_turn"
    fake_llm.clear()
    satisfied = send(client, agent.id, call("conversation_search", query="x"))
    assert len(fake_llm.chat_requests()) == 2 and len(called(satisfied)) == 1


def test_a_forced_tool_that_needs_approval_still_waits_for_it(
    client: Letta, fake_llm: FakeLLM
) -> None:
    rules = [
        rule("run_first", "memory_insert", args={"label": "human", "new_string": "Likes: tea"}),
        rule("requires_approval", "memory_insert"),
        rule("exit_loop", "memory_insert"),
    ]
    agent = create_seed_agent(client, tool_rules=rules)
    paused = send(client, agent.id, "hello")
    assert paused.stop_reason.stop_reason == "requires_approval"
    [request] = of_type(paused, "approval_request_message")
    assert json.loads(request.tool_call.arguments) == {"label": "human", "new_string": "Likes: tea"}
    fake_llm.clear()
    approval = {
        "type": "approval",
        "approvals": [
            {"type": "approval", "tool_call_id": request.tool_call.tool_call_id, "approve": True}
        ],
    }
    answered = client.agents.messages.create(agent_id=agent.id, messages=[approval])
    # It ran on approval, and as an exit_loop tool it ends the turn without a model call.
    assert answered.stop_reason.stop_reason == "tool_rule"
    assert fake_llm.chat_requests() == []
    value = client.agents.blocks.retrieve("human", agent_id=agent.id).value
    assert value == SEED_HUMAN + "\nLikes: tea"


def test_a_refused_call_parked_with_one_awaiting_approval_stays_refused(
    client: Letta, fake_llm: FakeLLM
) -> None:
    rules = [
        rule("requires_approval", "memory_insert"),
        rule("max_count_per_step", "conversation_search", max_count_limit=1),
    ]
    agent = create_seed_agent(client, tool_rules=rules)
    text = (
        "[[parallel]]"
        + call("memory_insert", label="human", new_string="Likes: tea")
        + call("conversation_search", query="a")
        + call("conversation_search", query="b")
    )
    paused = send(client, agent.id, text)
    [request] = of_type(paused, "approval_request_message")
    approval = {
        "type": "approval",
        "approvals": [
            {"type": "approval", "tool_call_id": request.tool_call.tool_call_id, "approve": True}
        ],
    }
    answered = client.agents.messages.create(agent_id=agent.id, messages=[approval])
    returns = of_type(answered, "tool_return_message")
    assert [r.status for r in returns] == ["success", "success", "error"]
    assert returns[2].tool_return.startswith(
        "[ToolConstraintError] Cannot call conversation_search"
    )


def test_response_format_reaches_the_model_and_shapes_its_answer(
    client: Letta, fake_llm: FakeLLM
) -> None:
    schema = {"name": "reply", "schema": {"type": "object"}, "strict": False}
    agent = create_seed_agent(
        client, response_format={"type": "json_schema", "json_schema": schema}
    )
    fake_llm.clear()
    response = send(client, agent.id, "[[say hi]]")
    [request] = fake_llm.chat_requests()
    assert request["response_format"] == {"type": "json_schema", "json_schema": schema}
    assert json.loads(of_type(response, "assistant_message")[0].content) == {"answer": "hi"}

    plain = create_seed_agent(client)
    fake_llm.clear()
    send(client, plain.id, "[[say hi]]")
    assert "response_format" not in fake_llm.chat_requests()[0]


def test_the_preview_shows_the_forced_choice_and_the_response_format(client: Letta) -> None:
    agent = create_seed_agent(
        client,
        tool_rules=[rule("run_first", "conversation_search")],
        response_format={"type": "json_object"},
    )
    preview = client.post(
        "/v1/conversations/default/messages/preview-raw-payload",
        cast_to=object,
        body={"input": "hello", "agent_id": agent.id},
    )
    assert offered(preview) == ["conversation_search"]
    assert preview["tool_choice"] == forced("conversation_search")
    assert preview["response_format"] == {"type": "json_object"}
