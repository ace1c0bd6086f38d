"""The scenarios every provider's tests run through the official SDK, with what holds whichever
provider serves them; each test file adds what its provider's wire shows."""

import json
from collections.abc import Callable
from typing import Any

from letta_client import Letta

from tests.factories import SEED_HUMAN, call_directive
from tests.servers import FakeLLM

NAME_REQUEST = "My name is Cameron. Please store this information in your memory."
STORED_HUMAN = SEED_HUMAN.replace("User", "Cameron")
EXEC = {
    "name": "exec_command",
    "description": "Run a shell command on the user's machine",
    "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}},
}


def replies(response: Any) -> list[str]:
    return [m.content for m in response.messages if m.message_type == "assistant_message"]


def human(client: Letta, agent_id: str) -> str:
    return client.agents.blocks.retrieve("human", agent_id=agent_id).value


def quickstart(client: Letta, agent_id: str) -> Any:
    """The seed quickstart: a greeting, a memory edit through a tool call, a recall. Returns
    the memory edit's response."""
    hello = client.agents.messages.create(agent_id, input="Hello! What's your purpose?")
    assert replies(hello)[0].startswith("Hello! I'm your stateful assistant.")
    assert hello.usage.prompt_tokens > 0 and hello.usage.completion_tokens > 0
    remember = client.agents.messages.create(agent_id, input=NAME_REQUEST)
    [call] = [m.tool_call for m in remember.messages if m.message_type == "tool_call_message"]
    assert (call.name, json.loads(call.arguments)) == (
        "memory_replace",
        {"label": "human", "old_string": "Name: User", "new_string": "Name: Cameron"},
    )
    assert replies(remember) == ["Got it! I've updated my memory with your name, Cameron."]
    assert human(client, agent_id) == STORED_HUMAN
    recall = client.agents.messages.create(agent_id, input="What is my name?")
    assert replies(recall) == ["Your name is Cameron."]
    return remember


def streamed_memory_edit(client: Letta, agent_id: str, *, arguments_in_pieces: bool) -> None:
    """A memory edit with token streaming: reasoning, the tool call's arguments and the reply
    arrive in pieces that join into what is stored."""
    chunks = list(
        client.agents.messages.create(
            agent_id,
            input="[[reasoning thinking it over]] " + NAME_REQUEST,
            streaming=True,
            stream_tokens=True,
        )
    )
    stored = {m.id: m for m in client.runs.messages.list(chunks[0].run_id)}

    def joined(message_type: str, read: Any) -> dict[str, str]:
        texts: dict[str, str] = {}
        for chunk in chunks:
            if chunk.message_type == message_type:
                texts[chunk.id] = texts.get(chunk.id, "") + (read(chunk) or "")
        return texts

    [(call_id, arguments)] = joined("tool_call_message", lambda c: c.tool_call.arguments).items()
    assert json.loads(arguments)["new_string"] == "Name: Cameron"
    assert arguments == stored[call_id].tool_call.arguments
    if arguments_in_pieces:
        assert sum(c.message_type == "tool_call_message" for c in chunks) > 3
    [(reply_id, text)] = joined("assistant_message", lambda c: c.content).items()
    assert text == "Got it! I've updated my memory with your name, Cameron."
    assert sum(c.message_type == "assistant_message" for c in chunks) > 3  # in pieces
    assert joined("reasoning_message", lambda c: c.reasoning)[reply_id] == "thinking it over"
    assert [c.stop_reason for c in chunks if c.message_type == "stop_reason"] == ["end_turn"]
    assert human(client, agent_id) == STORED_HUMAN


def replayed_through_openai(client: Letta, fake_llm: FakeLLM, agent_id: str) -> None:
    """After a tool call on another provider: the agent moves to OpenAI, which is shown that
    call with its result and answers from memory, and makes a call of its own there."""
    client.agents.update(agent_id, model="openai/gpt-4o-mini")
    fake_llm.clear()
    on_openai = client.agents.messages.create(agent_id, input="What is my name?")
    assert replies(on_openai) == ["Your name is Cameron."]
    [sent] = fake_llm.chat_requests()
    [replayed] = [m for m in sent["messages"] if m.get("tool_calls")]
    [tool_message] = [m for m in sent["messages"] if m["role"] == "tool"]
    assert replayed["tool_calls"][0]["function"]["name"] == "memory_replace"
    assert tool_message["tool_call_id"] == replayed["tool_calls"][0]["id"]
    client.agents.messages.create(agent_id, input="My name is Robin.")


def client_tool_round_trip(
    client: Letta, agent_id: str, clear: Callable[[], None], tool: dict[str, Any] = EXEC
) -> str:
    """A client tool call (`exec_command`, declared as `tool`) awaits approval; the client's
    result continues the turn, whose answer quotes it. `clear` forgets what the provider was
    sent before the answer, so the caller can read the one request that carried the result.
    Returns the call's id."""
    chunks = list(
        client.conversations.messages.create(
            "default",
            agent_id=agent_id,
            input=call_directive("exec_command", cmd="ls"),
            client_tools=[tool],
        )
    )
    [request] = [c for c in chunks if c.message_type == "approval_request_message"]
    assert [c.stop_reason for c in chunks if c.message_type == "stop_reason"] == [
        "requires_approval"
    ]
    [call] = request.tool_calls
    assert (call.name, json.loads(call.arguments)) == ("exec_command", {"cmd": "ls"})

    clear()
    result = {
        "type": "tool",
        "tool_call_id": call.tool_call_id,
        "tool_return": "file1\nfile2",
        "status": "success",
    }
    answered = list(
        client.conversations.messages.create(
            "default",
            agent_id=agent_id,
            messages=[{"type": "approval", "approvals": [result]}],
            client_tools=[tool],
        )
    )
    [reply] = [c.content for c in answered if c.message_type == "assistant_message"]
    assert json.loads(reply.removeprefix("Done. Last tool result: "))["message"] == "file1\nfile2"
    return call.tool_call_id
