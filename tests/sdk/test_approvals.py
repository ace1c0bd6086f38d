"""Client-side tools and approvals through the official Python SDK (letta-client 1.12.1).

A turn whose model calls a client tool (or a server tool under a `requires_approval` rule)
stops with `requires_approval`; the client's next request answers every waiting call with a
result or a decision, and the loop goes on. What the model saw is checked in the scripted
LLM's requests; what is stored, through the SDK's strictly validated listings.
"""

import base64
import json
import uuid
from typing import Any

import pytest
from letta_client import APIError, BadRequestError, ConflictError, Letta
from letta_client.types import AgentState

from tests.factories import (
    SEED_HUMAN,
    call_directive,
    create_seed_agent,
    send_json,
    wait_for,
)
from tests.servers import FakeLLM

EXEC = {
    "name": "exec_command",
    "description": "Run a shell command on the user's machine",
    "parameters": {
        "type": "object",
        "properties": {"cmd": {"type": "string"}},
        "required": ["cmd"],
    },
}
LS = call_directive("exec_command", cmd="ls")
DONE = "Done. Last tool result: "
DENIED = "Error: request to call tool denied. User reason: "
CANCELLED = DENIED + "The user cancelled the request, so the tool call was denied."
WAITING = (
    "CONFLICT: Cannot send a new message: The agent is waiting for approval on a tool call. "
    "Please approve or deny the pending request before continuing."
)
NOTHING_PENDING = (
    "Cannot process approval response: No tool call is currently awaiting approval. "
    "Please send a regular message to interact with the agent."
)
NAME_REQUEST = "My name is Cameron."
# A 1x1 transparent PNG.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


# --- building requests and reading answers --------------------------------------------------


def tool_result(call_id: str, result: Any, status: str = "success", **extra: Any) -> dict:
    return {
        "type": "tool",
        "tool_call_id": call_id,
        "tool_return": result,
        "status": status,
        **extra,
    }


def decision(call_id: str, approve: bool, reason: str | None = None) -> dict:
    return {"type": "approval", "tool_call_id": call_id, "approve": approve, "reason": reason}


def answer(*items: dict) -> list[dict]:
    return [{"type": "approval", "approvals": list(items)}]


def ask(client: Letta, conversation_id: str, text: str, **params: Any) -> list[Any]:
    """A streamed user turn with the client tool offered, read to its end."""
    params.setdefault("client_tools", [EXEC])
    return list(client.conversations.messages.create(conversation_id, input=text, **params))


def waiting(chunks: list[Any]) -> tuple[Any, list[Any]]:
    """The approval request of a paused turn and its calls; the turn must have paused."""
    [request] = [c for c in chunks if c.message_type == "approval_request_message"]
    stop = [c.stop_reason for c in chunks if c.message_type == "stop_reason"]
    assert stop == ["requires_approval"]
    return request, request.tool_calls


def replies(response: Any) -> list[str]:
    return [m.content for m in response.messages if m.message_type == "assistant_message"]


def history(client: Letta, conversation_id: str, **params: Any) -> list[Any]:
    return list(client.conversations.messages.list(conversation_id, order="asc", **params))


def tool_returns(client: Letta, conversation_id: str, **params: Any) -> dict[str, Any]:
    return {
        m.tool_call_id: m
        for m in history(client, conversation_id, **params)
        if m.message_type == "tool_return_message"
    }


def seen_tool_results(fake_llm: FakeLLM) -> dict[str, dict]:
    """What the model was last shown as tool results: call id -> the JSON envelope."""
    request = fake_llm.chat_requests()[-1]
    return {
        m["tool_call_id"]: json.loads(m["content"])
        for m in request["messages"]
        if m["role"] == "tool"
    }


def human(client: Letta, agent_id: str) -> str:
    return client.agents.blocks.retrieve("human", agent_id=agent_id).value


@pytest.fixture
def agent(client: Letta) -> AgentState:
    return create_seed_agent(client)


@pytest.fixture
def conversation_id(client: Letta, agent: AgentState) -> str:
    return client.conversations.create(agent_id=agent.id).id


# --- client tools ---------------------------------------------------------------------------


def test_client_tool_round_trip(client: Letta, agent: AgentState, fake_llm: FakeLLM) -> None:
    fake_llm.clear()
    chunks = ask(client, "default", LS, agent_id=agent.id)
    assert [c.message_type for c in chunks] == [
        "ping",
        "approval_request_message",
        "stop_reason",
        "usage_statistics",
    ]
    request, [call] = waiting(chunks)
    assert (call.name, json.loads(call.arguments)) == ("exec_command", {"cmd": "ls"})
    assert request.tool_call.tool_call_id == call.tool_call_id
    [model_request] = fake_llm.chat_requests()
    offered = {t["function"]["name"]: t["function"] for t in model_request["tools"]}
    assert offered["exec_command"]["parameters"] == EXEC["parameters"]
    assert "memory_replace" in offered  # the agent's own tools too
    run = client.runs.retrieve(chunks[0].run_id)
    assert (run.status, run.stop_reason) == ("completed", "requires_approval")
    pending = client.agents.retrieve(agent.id).pending_approval
    assert pending is not None and pending.id == request.id
    assert [c.tool_call_id for c in pending.tool_calls] == [call.tool_call_id]

    response = send_json(
        client,
        "default",
        agent_id=agent.id,
        client_tools=[EXEC],
        messages=answer(tool_result(call.tool_call_id, "file1\nfile2", stdout=["file1\nfile2"])),
    )
    [reply] = replies(response)
    assert reply.startswith(DONE) and json.loads(reply[len(DONE) :])["message"] == "file1\nfile2"
    seen = seen_tool_results(fake_llm)[call.tool_call_id]
    assert (seen["status"], seen["message"]) == ("OK", "file1\nfile2")
    assert client.agents.retrieve(agent.id).pending_approval is None

    stored = history(client, "default", agent_id=agent.id)
    assert [m.message_type for m in stored[1:]] == [
        "user_message",
        "approval_request_message",
        "approval_response_message",
        "tool_return_message",
        "assistant_message",
    ]
    [item] = stored[3].approvals
    assert (item.type, item.tool_call_id, item.tool_return) == (
        "tool",
        call.tool_call_id,
        "file1\nfile2",
    )
    result = stored[4]
    assert (result.tool_call_id, result.status, result.stdout) == (
        call.tool_call_id,
        "success",
        ["file1\nfile2"],
    )


def test_denied_and_failed_client_calls(
    client: Letta, conversation_id: str, fake_llm: FakeLLM
) -> None:
    _, [call] = waiting(ask(client, conversation_id, LS))
    agent_id = client.conversations.retrieve(conversation_id).agent_id
    assert client.agents.retrieve(agent_id).pending_approval is None  # the default's only
    response = send_json(
        client,
        conversation_id,
        client_tools=[EXEC],
        messages=answer(decision(call.tool_call_id, False, "not allowed")),
    )
    seen = seen_tool_results(fake_llm)[call.tool_call_id]
    assert (seen["status"], seen["message"]) == ("Failed", DENIED + "not allowed")
    assert replies(response)[0].startswith(DONE)
    denied = tool_returns(client, conversation_id)[call.tool_call_id]
    assert denied.status == "error" and DENIED + "not allowed" in denied.tool_return
    [response_message] = [
        m for m in history(client, conversation_id) if m.message_type == "approval_response_message"
    ]
    # The deprecated single-answer fields mirror the first decision.
    assert (response_message.approve, response_message.reason) == (False, "not allowed")
    [item] = response_message.approvals
    assert (item.type, item.tool_call_id, item.approve) == ("approval", call.tool_call_id, False)

    # A client result with status "error" is a failed call for the model.
    _, [call] = waiting(ask(client, conversation_id, call_directive("exec_command", cmd="x")))
    send_json(
        client,
        conversation_id,
        client_tools=[EXEC],
        messages=answer(
            tool_result(call.tool_call_id, "command not found", "error", stderr=["boom"])
        ),
    )
    seen = seen_tool_results(fake_llm)[call.tool_call_id]
    assert (seen["status"], seen["message"]) == ("Failed", "command not found")
    failed = tool_returns(client, conversation_id)[call.tool_call_id]
    assert (failed.status, failed.stderr) == ("error", ["boom"])


def test_parallel_calls_need_an_answer_each(
    client: Letta, conversation_id: str, fake_llm: FakeLLM
) -> None:
    text = "[[parallel]] " + LS + call_directive("exec_command", cmd="pwd")
    _, calls = waiting(ask(client, conversation_id, text))
    assert [json.loads(c.arguments)["cmd"] for c in calls] == ["ls", "pwd"]
    first, second = (c.tool_call_id for c in calls)
    expected = [first, second]

    for items, received in (
        ([tool_result(first, "a")], [first]),
        ([tool_result(first, "a"), tool_result("call_bogus", "b")], [first, "call_bogus"]),
        ([tool_result(first, "a"), tool_result(second, "b"), tool_result(first, "c")], None),
    ):
        with pytest.raises(BadRequestError) as error:
            send_json(client, conversation_id, client_tools=[EXEC], messages=answer(*items))
        if received is not None:
            assert error.value.body["detail"] == (
                f"Invalid tool call IDs. Expected '{expected}', but received '{received}'."
            )
        else:
            assert error.value.body["detail"].startswith("Invalid tool call IDs.")

    send_json(
        client,
        conversation_id,
        client_tools=[EXEC],
        messages=answer(tool_result(second, "/home"), decision(first, False, "no listing")),
    )
    seen = seen_tool_results(fake_llm)
    assert seen[first]["message"] == DENIED + "no listing"
    assert seen[second]["message"] == "/home"
    request = fake_llm.chat_requests()[-1]["messages"]
    tool_ids = [m["tool_call_id"] for m in request if m["role"] == "tool"]
    assert tool_ids == expected  # in the order the model called them
    assert set(tool_returns(client, conversation_id)) == {first, second}


def test_server_and_client_tool_in_one_step(
    client: Letta, agent: AgentState, conversation_id: str, fake_llm: FakeLLM
) -> None:
    insert = call_directive("memory_insert", label="human", new_string="Likes tea")
    chunks = ask(client, conversation_id, "[[parallel]] " + insert + LS)
    _, [client_call] = waiting(chunks)
    assert client_call.name == "exec_command"
    [server_call] = [c for c in chunks if c.message_type == "tool_call_message"]
    assert server_call.tool_call.name == "memory_insert"
    assert "tool_return_message" not in [c.message_type for c in chunks]
    assert "Likes tea" not in human(client, agent.id)  # parked until the answer

    response = send_json(
        client,
        conversation_id,
        client_tools=[EXEC],
        messages=answer(tool_result(client_call.tool_call_id, "file1")),
    )
    assert "Likes tea" in human(client, agent.id)
    ran_here = [m for m in response.messages if m.message_type == "tool_return_message"]
    assert [m.tool_call_id for m in ran_here] == [server_call.tool_call.tool_call_id]
    seen = seen_tool_results(fake_llm)
    assert seen[server_call.tool_call.tool_call_id]["status"] == "OK"
    assert seen[client_call.tool_call_id]["message"] == "file1"
    stored = tool_returns(client, conversation_id)
    assert set(stored) == {server_call.tool_call.tool_call_id, client_call.tool_call_id}
    # In the default conversation, the agent's pending_approval names only the waiting call.
    chunks = ask(client, "default", "[[parallel]] " + insert + LS, agent_id=agent.id)
    _, [waiting_call] = waiting(chunks)
    pending = client.agents.retrieve(agent.id).pending_approval
    assert [c.tool_call_id for c in pending.tool_calls] == [waiting_call.tool_call_id]
    # One stored step shows as a tool call and an approval request; paging one by one (the
    # SDK continues after the last id it got) must not lose either.
    everything = [
        (m.id, m.message_type) for m in client.conversations.messages.list(conversation_id)
    ]
    paged = [
        (m.id, m.message_type) for m in client.conversations.messages.list(conversation_id, limit=1)
    ]
    assert paged == everything
    assert {"tool_call_message", "approval_request_message"} <= {kind for _, kind in paged}


def test_client_tools_are_read_from_each_request(
    client: Letta, conversation_id: str, fake_llm: FakeLLM
) -> None:
    fake_llm.clear()
    shadow = {"name": "memory_insert", "description": "the client's own", "parameters": None}
    _, [call] = waiting(
        ask(
            client,
            conversation_id,
            call_directive("memory_insert", label="human", new_string="x"),
            client_tools=[shadow],
        )
    )
    assert call.name == "memory_insert"  # a client tool shadows the server tool of that name
    offered = [t["function"] for t in fake_llm.chat_requests()[-1]["tools"]]
    [only] = [t for t in offered if t["name"] == "memory_insert"]
    assert only["description"] == "the client's own"
    send_json(client, conversation_id, messages=answer(tool_result(call.tool_call_id, "ok")))
    offered = [t["function"]["name"] for t in fake_llm.chat_requests()[-1]["tools"]]
    assert "exec_command" not in offered


def test_answer_with_a_follow_up_message(
    client: Letta, conversation_id: str, fake_llm: FakeLLM
) -> None:
    _, [call] = waiting(ask(client, conversation_id, LS))
    followed = [
        *answer(tool_result(call.tool_call_id, "file1")),
        {"role": "user", "content": "and then?"},
    ]
    response = send_json(client, conversation_id, client_tools=[EXEC], messages=followed)
    assert replies(response) == ["Hello! I'm your stateful assistant. You said: and then?"]
    sent = fake_llm.chat_requests()[-1]["messages"]
    assert [m["role"] for m in sent[-3:]] == ["assistant", "tool", "user"]
    assert sent[-3]["tool_calls"][0]["id"] == call.tool_call_id
    assert sent[-1]["content"] == "and then?"
    stored = [m.message_type for m in history(client, conversation_id)][-4:]
    assert stored == [
        "approval_response_message",
        "tool_return_message",
        "user_message",
        "assistant_message",
    ]


def test_answer_through_the_agents_route(client: Letta, agent: AgentState) -> None:
    _, [call] = waiting(ask(client, "default", LS, agent_id=agent.id))
    response = client.agents.messages.create(
        agent_id=agent.id,
        client_tools=[EXEC],
        messages=answer(tool_result(call.tool_call_id, "via agents")),
    )
    [reply] = replies(response)
    assert json.loads(reply[len(DONE) :])["message"] == "via agents"
    assert client.agents.retrieve(agent.id).pending_approval is None


def test_background_answer_resumed_by_its_otid(client: Letta, conversation_id: str) -> None:
    _, [call] = waiting(ask(client, conversation_id, LS))
    otid = str(uuid.uuid4())
    stream = client.conversations.messages.create(
        conversation_id,
        client_tools=[EXEC],
        background=True,
        messages=[{**answer(tool_result(call.tool_call_id, "late"))[0], "otid": otid}],
    )
    run_id = next(iter(stream)).run_id
    stream.close()
    resumed = list(client.conversations.messages.stream(conversation_id, otid=otid))
    assert resumed[0].run_id == run_id
    [reply] = [c.content for c in resumed if c.message_type == "assistant_message"]
    assert json.loads(reply[len(DONE) :])["message"] == "late"


def test_a_fork_of_a_waiting_conversation_waits_too(
    client: Letta, conversation_id: str, fake_llm: FakeLLM
) -> None:
    _, [call] = waiting(ask(client, conversation_id, LS))
    agent_id = client.conversations.retrieve(conversation_id).agent_id
    fork = client.conversations.fork(conversation_id)
    with pytest.raises(ConflictError):
        send_json(client, fork.id, input="hello?")
    send_json(
        client,
        fork.id,
        client_tools=[EXEC],
        messages=answer(tool_result(call.tool_call_id, "answered in the fork")),
    )
    assert seen_tool_results(fake_llm)[call.tool_call_id]["message"] == "answered in the fork"
    # The source still waits, and takes its own answer.
    with pytest.raises(ConflictError):
        send_json(client, conversation_id, input="hello?")
    send_json(
        client,
        conversation_id,
        client_tools=[EXEC],
        messages=answer(tool_result(call.tool_call_id, "answered in the source")),
    )
    assert tool_returns(client, conversation_id)[call.tool_call_id].tool_return == (
        "answered in the source"
    )
    assert tool_returns(client, fork.id)[call.tool_call_id].tool_return == "answered in the fork"
    assert client.agents.retrieve(agent_id).pending_approval is None


# --- server tools that require approval -----------------------------------------------------


def test_requires_approval_server_tool_approved_runs_on_the_server(
    client: Letta, agent: AgentState, fake_llm: FakeLLM
) -> None:
    updated = client.agents.tools.update_approval(
        "memory_replace", agent_id=agent.id, body_requires_approval=True
    )
    # Typed Optional[AgentState] by the SDK (Letta sends null to 1.x SDKs); lettalite sends it.
    assert isinstance(updated, AgentState) and updated.id == agent.id
    rule = {"type": "requires_approval", "tool_name": "memory_replace"}
    rules = [r.model_dump(exclude_none=True) for r in updated.tool_rules or []]
    assert rule in [{k: r[k] for k in ("type", "tool_name")} for r in rules]

    chunks = ask(client, "default", NAME_REQUEST, agent_id=agent.id, client_tools=None)
    request, [call] = waiting(chunks)
    assert call.name == "memory_replace"
    assert human(client, agent.id) == SEED_HUMAN
    assert client.agents.retrieve(agent.id).pending_approval.id == request.id

    response = send_json(
        client,
        "default",
        agent_id=agent.id,
        messages=answer(decision(call.tool_call_id, True)),
    )
    assert human(client, agent.id).startswith("Name: Cameron")
    assert replies(response) == ["Got it! I've updated my memory with your name, Cameron."]
    [ran] = [m for m in response.messages if m.message_type == "tool_return_message"]
    assert (ran.tool_call_id, ran.status) == (call.tool_call_id, "success")
    assert seen_tool_results(fake_llm)[call.tool_call_id]["status"] == "OK"

    cleared = client.agents.tools.update_approval(
        "memory_replace", agent_id=agent.id, body_requires_approval=False
    )
    assert "requires_approval" not in [r.type for r in cleared.tool_rules or []]
    direct = client.agents.messages.create(agent_id=agent.id, input="My name is Dan.")
    assert replies(direct) == ["Got it! I've updated my memory with your name, Dan."]


def test_requires_approval_rule_at_create_denied(client: Letta, fake_llm: FakeLLM) -> None:
    agent = create_seed_agent(
        client, tool_rules=[{"type": "requires_approval", "tool_name": "memory_replace"}]
    )
    assert "requires_approval" in [r.type for r in agent.tool_rules or []]
    conversation = client.conversations.create(agent_id=agent.id)
    _, [call] = waiting(ask(client, conversation.id, NAME_REQUEST, client_tools=None))
    response = send_json(
        client,
        conversation.id,
        messages=answer(decision(call.tool_call_id, False, "keep my name private")),
    )
    assert human(client, agent.id) == SEED_HUMAN
    seen = seen_tool_results(fake_llm)[call.tool_call_id]
    assert (seen["status"], seen["message"]) == ("Failed", DENIED + "keep my name private")
    [reply] = replies(response)
    assert reply.startswith("I could not update my memory: ") and "keep my name private" in reply


def test_legacy_single_call_forms(client: Letta, fake_llm: FakeLLM) -> None:
    agent = create_seed_agent(
        client, tool_rules=[{"type": "requires_approval", "tool_name": "memory_replace"}]
    )
    conversation = client.conversations.create(agent_id=agent.id)
    # Deny by the pending message's id.
    request, [call] = waiting(ask(client, conversation.id, NAME_REQUEST, client_tools=None))
    legacy = {"type": "approval", "approve": False, "approval_request_id": request.id}
    send_json(client, conversation.id, messages=[{**legacy, "reason": "not now"}])
    assert seen_tool_results(fake_llm)[call.tool_call_id]["message"] == DENIED + "not now"
    assert human(client, agent.id) == SEED_HUMAN

    # Approve by the call's id.
    _, [call] = waiting(ask(client, conversation.id, NAME_REQUEST, client_tools=None))
    approve = {"type": "approval", "approve": True, "approval_request_id": call.tool_call_id}
    response = send_json(client, conversation.id, messages=[approve])
    assert replies(response) == ["Got it! I've updated my memory with your name, Cameron."]
    assert human(client, agent.id).startswith("Name: Cameron")
    stored = [
        m for m in history(client, conversation.id) if m.message_type == "approval_response_message"
    ]
    assert [(m.approvals[0].approve, m.approvals[0].tool_call_id) for m in stored] == [
        (False, stored[0].approvals[0].tool_call_id),
        (True, call.tool_call_id),
    ]

    # With two calls waiting the single-call form cannot say which.
    text = "[[parallel]] " + LS + call_directive("exec_command", cmd="pwd")
    request, _ = waiting(ask(client, conversation.id, text))
    with pytest.raises(BadRequestError) as error:
        send_json(
            client,
            conversation.id,
            client_tools=[EXEC],
            messages=[{**legacy, "approval_request_id": request.id}],
        )
    assert error.value.body["detail"].startswith("Invalid tool call IDs.")


def test_tool_return_form(client: Letta, conversation_id: str, fake_llm: FakeLLM) -> None:
    _, [call] = waiting(ask(client, conversation_id, LS))
    returned = {"type": "tool_return", "tool_returns": [tool_result(call.tool_call_id, "42")]}
    response = send_json(client, conversation_id, client_tools=[EXEC], messages=[returned])
    assert seen_tool_results(fake_llm)[call.tool_call_id]["message"] == "42"
    assert replies(response)[0].startswith(DONE)
    assert tool_returns(client, conversation_id)[call.tool_call_id].tool_return == "42"


# --- refusals -------------------------------------------------------------------------------


def test_wrong_missing_and_empty_answers_change_nothing(
    client: Letta, agent: AgentState, conversation_id: str
) -> None:
    _, [call] = waiting(ask(client, conversation_id, LS))
    before = [m.id for m in history(client, conversation_id)]
    expected = [call.tool_call_id]

    with pytest.raises(BadRequestError) as error:
        send_json(client, conversation_id, messages=answer(tool_result("call_wrong", "x")))
    assert error.value.body["detail"] == (
        f"Invalid tool call IDs. Expected '{expected}', but received '{['call_wrong']}'."
    )
    with pytest.raises(BadRequestError) as error:
        send_json(client, conversation_id, messages=answer())
    assert error.value.body["detail"] == (
        "Invalid approval response. Approval response message does not contain any approvals."
    )
    # Streamed, the same refusals arrive as an `event: error` frame, which the SDK raises.
    for messages, text in (
        (answer(tool_result("call_wrong", "x")), "Invalid tool call IDs."),
        (answer(), "does not contain any approvals"),
    ):
        with pytest.raises(APIError) as streamed:
            list(client.conversations.messages.create(conversation_id, messages=messages))
        assert text in str(streamed.value.body)
    assert [m.id for m in history(client, conversation_id)] == before

    # Still waiting: the right answer goes through.
    send_json(
        client,
        conversation_id,
        client_tools=[EXEC],
        messages=answer(tool_result(call.tool_call_id, "ok")),
    )
    fresh = client.conversations.create(agent_id=agent.id)
    for target, params in ((fresh.id, {}), ("default", {"agent_id": agent.id})):
        with pytest.raises(BadRequestError) as error:
            send_json(client, target, messages=answer(tool_result("call_x", "x")), **params)
        assert error.value.body["detail"] == NOTHING_PENDING
    with pytest.raises(APIError) as streamed:
        list(
            client.conversations.messages.create(
                fresh.id, messages=answer(tool_result("call_x", "x"))
            )
        )
    assert "No tool call is currently awaiting approval" in str(streamed.value.body)


def test_an_answer_sent_again_is_not_applied_twice(
    client: Letta, conversation_id: str, fake_llm: FakeLLM
) -> None:
    """Letta skips an approval whose calls were all answered already (a client's retry) and
    goes on with the request's follow-up messages."""
    _, [call] = waiting(ask(client, conversation_id, LS))
    reply = answer(tool_result(call.tool_call_id, "first answer"))
    send_json(client, conversation_id, client_tools=[EXEC], messages=reply)
    again = [*reply, {"role": "user", "content": "after the retry"}]
    response = send_json(client, conversation_id, client_tools=[EXEC], messages=again)
    assert replies(response) == ["Hello! I'm your stateful assistant. You said: after the retry"]
    stored = history(client, conversation_id)
    kinds = [m.message_type for m in stored]
    assert kinds.count("approval_response_message") == 1
    assert [m.tool_return for m in stored if m.message_type == "tool_return_message"] == [
        "first answer"
    ]
    sent = fake_llm.chat_requests()[-1]["messages"]
    assert [m["tool_call_id"] for m in sent if m["role"] == "tool"] == [call.tool_call_id]


def test_new_message_while_waiting_is_refused_on_every_route(
    client: Letta, agent: AgentState
) -> None:
    request, _ = waiting(ask(client, "default", LS, agent_id=agent.id))
    named = client.conversations.create(agent_id=agent.id)
    _, _ = waiting(ask(client, named.id, LS))
    before = {
        target: [m.id for m in history(client, target, **params)]
        for target, params in (("default", {"agent_id": agent.id}), (named.id, {}))
    }

    for target, params in (("default", {"agent_id": agent.id}), (named.id, {})):
        with pytest.raises(ConflictError) as error:
            send_json(client, target, input="hello?", **params)
        assert error.value.body == {"detail": WAITING}

    with pytest.raises(ConflictError) as error:
        client.agents.messages.create(agent_id=agent.id, input="hello?")
    detail = error.value.body["detail"]
    assert detail["code"] == "PENDING_APPROVAL"
    assert detail["pending_request_id"] == request.id
    assert "waiting for approval" in detail["message"]

    for streamed in (
        lambda: client.conversations.messages.create(named.id, input="hello?"),
        lambda: client.conversations.messages.create("default", agent_id=agent.id, input="hi"),
        lambda: client.agents.messages.create(agent_id=agent.id, input="hi", streaming=True),
    ):
        with pytest.raises(APIError) as error:
            list(streamed())
        assert "waiting for approval" in str(error.value.body)

    after = {
        target: [m.id for m in history(client, target, **params)]
        for target, params in (("default", {"agent_id": agent.id}), (named.id, {}))
    }
    assert after == before


def test_cancel_closes_a_pending_approval(
    client: Letta, agent: AgentState, fake_llm: FakeLLM
) -> None:
    chunks = ask(
        client,
        "default",
        "[[parallel]] " + LS + call_directive("exec_command", cmd="pwd"),
        agent_id=agent.id,
    )
    paused_run = chunks[0].run_id
    _, calls = waiting(chunks)
    assert client.conversations.cancel("default", agent_id=agent.id) == {paused_run: "cancelled"}
    assert client.agents.retrieve(agent.id).pending_approval is None
    results = tool_returns(client, "default", agent_id=agent.id)
    assert set(results) == {c.tool_call_id for c in calls}
    assert {(r.status, r.tool_return) for r in results.values()} == {("error", CANCELLED)}

    response = send_json(client, "default", agent_id=agent.id, input="carry on")
    assert replies(response) == ["Hello! I'm your stateful assistant. You said: carry on"]
    seen = seen_tool_results(fake_llm)
    assert {seen[c.tool_call_id]["message"] for c in calls} == {CANCELLED}
    with pytest.raises(ConflictError):
        client.conversations.cancel("default", agent_id=agent.id)

    # A named conversation likewise; cancelling the default one leaves it waiting.
    conversation = client.conversations.create(agent_id=agent.id)
    chunks = ask(client, conversation.id, LS)
    _, [call] = waiting(chunks)
    with pytest.raises(ConflictError):
        client.conversations.cancel("default", agent_id=agent.id)
    assert call.tool_call_id not in tool_returns(client, conversation.id)
    assert client.conversations.cancel(conversation.id) == {chunks[0].run_id: "cancelled"}
    closed = tool_returns(client, conversation.id)[call.tool_call_id]
    assert (closed.status, closed.tool_return) == ("error", CANCELLED)
    with pytest.raises(ConflictError):
        client.conversations.cancel(conversation.id)


def test_cancel_while_the_answer_is_being_worked_on(
    client: Letta, conversation_id: str, fake_llm: FakeLLM
) -> None:
    # The model sleeps only from its second round: the pause is quick, the answer slow.
    _, [call] = waiting(ask(client, conversation_id, "[[sleep 10 1]] " + LS))
    stream = client.conversations.messages.create(
        conversation_id,
        client_tools=[EXEC],
        background=True,
        messages=answer(tool_result(call.tool_call_id, "slow result")),
    )
    run_id = next(iter(stream)).run_id
    stream.close()
    wait_for(lambda: len(fake_llm.chat_requests()) and seen_tool_results(fake_llm))
    assert client.conversations.cancel(conversation_id) == {run_id: "cancelled"}
    run = wait_for(lambda: (r := client.runs.retrieve(run_id)).status != "running" and r)
    assert (run.status, run.stop_reason) == ("cancelled", "cancelled")
    # The answer was stored before the model was asked; the conversation goes on from it.
    assert tool_returns(client, conversation_id)[call.tool_call_id].tool_return == "slow result"
    response = send_json(client, conversation_id, input="next")
    assert replies(response) == ["Hello! I'm your stateful assistant. You said: next"]
    assert seen_tool_results(fake_llm)[call.tool_call_id]["message"] == "slow result"


# --- streaming tokens -----------------------------------------------------------------------


def test_token_streaming_shows_approval_request_chunks(client: Letta, conversation_id: str) -> None:
    arguments = {"cmd": "echo a long enough command to be split"}
    chunks = ask(
        client,
        conversation_id,
        call_directive("exec_command", **arguments),
        stream_tokens=True,
    )
    pieces = [c for c in chunks if c.message_type == "approval_request_message"]
    assert pieces and len({p.id for p in pieces}) == 1
    head = pieces[0].tool_call
    assert head.name == "exec_command" and head.tool_call_id.startswith("call")
    # While tokens stream, `tool_calls` is a delta like `tool_call`, not a list.
    assert pieces[0].tool_calls.tool_call_id == head.tool_call_id
    joined = "".join(p.tool_call.arguments or "" for p in pieces)
    assert json.loads(joined) == arguments
    assert [c.stop_reason for c in chunks if c.message_type == "stop_reason"] == [
        "requires_approval"
    ]
    [stored] = [
        m for m in history(client, conversation_id) if m.message_type == "approval_request_message"
    ]
    assert stored.tool_call.tool_call_id == head.tool_call_id

    continued = list(
        client.conversations.messages.create(
            conversation_id,
            client_tools=[EXEC],
            stream_tokens=True,
            messages=answer(tool_result(head.tool_call_id, "a long enough command")),
        )
    )
    # The client's own result is not echoed back; only the model's answer streams.
    assert {c.message_type for c in continued} == {
        "ping",
        "assistant_message",
        "stop_reason",
        "usage_statistics",
    }
    text = "".join(c.content for c in continued if c.message_type == "assistant_message")
    assert text.startswith(DONE) and "a long enough command" in text


# --- images ---------------------------------------------------------------------------------


def test_images_in_a_user_message(client: Letta, conversation_id: str, fake_llm: FakeLLM) -> None:
    content = [
        {"type": "text", "text": "What is in these pictures?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
    ]
    response = send_json(client, conversation_id, messages=[{"role": "user", "content": content}])
    assert replies(response) == [
        "Hello! I'm your stateful assistant. You said: What is in these pictures?"
    ]
    [user] = [m for m in history(client, conversation_id) if m.message_type == "user_message"]
    assert isinstance(user.content, list)
    shown = [p.model_dump(exclude_none=True) for p in user.content]
    assert shown[0] == {"type": "text", "text": "What is in these pictures?"}
    assert shown[1]["source"]["data"] == PNG and shown[1]["source"]["media_type"] == "image/png"
    assert shown[2]["source"]["url"] == "https://example.com/cat.png"

    sent = fake_llm.chat_requests()[-1]["messages"][-1]
    assert sent["role"] == "user"
    urls = [p["image_url"]["url"] for p in sent["content"] if p["type"] == "image_url"]
    assert urls == [f"data:image/png;base64,{PNG}", "https://example.com/cat.png"]
    assert {"type": "text", "text": "What is in these pictures?"} in sent["content"]

    # A model that cannot see images is told one was there.
    send_json(
        client,
        conversation_id,
        messages=[{"role": "user", "content": content[:2]}],
        override_model="openai/gpt-3.5-turbo",
    )
    sent = fake_llm.chat_requests()[-1]["messages"][-1]
    assert "image_url" not in json.dumps(sent)
    assert "What is in these pictures?" in sent["content"]
    assert "cannot see images" in sent["content"]

    # `input` takes parts as well.
    response = send_json(client, conversation_id, input=[content[0], content[2]])
    sent = fake_llm.chat_requests()[-1]["messages"][-1]
    urls = [p["image_url"]["url"] for p in sent["content"] if p["type"] == "image_url"]
    assert urls == ["https://example.com/cat.png"]


def test_images_in_a_client_tool_result(
    client: Letta, conversation_id: str, fake_llm: FakeLLM
) -> None:
    _, [call] = waiting(ask(client, conversation_id, call_directive("exec_command", cmd="shot")))
    parts = [
        {"type": "text", "text": "screenshot taken"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
    ]
    send_json(
        client,
        conversation_id,
        client_tools=[EXEC],
        messages=answer(tool_result(call.tool_call_id, parts)),
    )
    messages = fake_llm.chat_requests()[-1]["messages"]
    [index] = [i for i, m in enumerate(messages) if m.get("tool_call_id") == call.tool_call_id]
    assert json.loads(messages[index]["content"])["message"] == "screenshot taken"
    follower = messages[index + 1]
    assert follower["role"] == "user"
    urls = [p["image_url"]["url"] for p in follower["content"] if p["type"] == "image_url"]
    assert urls == [f"data:image/png;base64,{PNG}"]

    [response] = [
        m for m in history(client, conversation_id) if m.message_type == "approval_response_message"
    ]
    returned = response.approvals[0].tool_return
    assert isinstance(returned, list) and returned[0].text == "screenshot taken"
