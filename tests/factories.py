"""Shared test data: the seed quickstart's agent and small builders."""

import asyncio
import json
import time
from typing import Any

from letta_client import Letta
from letta_client.types import AgentState
from letta_client.types.agents import LettaResponse
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.sql import Executable

SEED_PERSONA = "I am a friendly AI assistant here to help you learn about Letta."
SEED_HUMAN = "Name: User\nFirst interaction: Learning about Letta"
SEED_BLOCKS = [
    {"label": "persona", "value": SEED_PERSONA},
    {"label": "human", "value": SEED_HUMAN},
]
SEED_MODEL = "openai/gpt-4o-mini"


def create_seed_agent(client: Letta, **overrides: Any) -> AgentState:
    params: dict[str, Any] = {
        "name": "hello_world_assistant",
        "memory_blocks": SEED_BLOCKS,
        "model": SEED_MODEL,
        **overrides,
    }
    return client.agents.create(**params)


def call_directive(name: str, **arguments: object) -> str:
    """Text that makes the scripted LLM call tool `name` with these arguments."""
    return f"[[call {name} {json.dumps(arguments)}]]"


def agent_body(**overrides: Any) -> dict[str, Any]:
    """A create-agent JSON body for raw HTTP tests."""
    return {"name": "raw_agent", "memory_blocks": SEED_BLOCKS, "model": SEED_MODEL, **overrides}


def missing_id(prefix: str) -> str:
    return f"{prefix}-00000000-0000-4000-8000-000000000000"


def wait_for(predicate: Any, timeout: float = 15.0) -> Any:
    """Poll `predicate` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def send_json(client: Letta, conversation_id: str, **params: Any) -> LettaResponse:
    """`conversations.messages.create(streaming=False)`: the SDK types it as a stream, so read
    the JSON body and validate it as the `LettaResponse` it is."""
    raw = client.conversations.messages.with_raw_response.create(
        conversation_id, streaming=False, **params
    )
    raw.http_response.read()
    assert raw.http_response.headers["content-type"].startswith("application/json")
    return LettaResponse.model_validate(raw.http_response.json())


# A turn that edits memory: its user message, the call, its return, the reply.
EDIT_TURN = ["user_message", "tool_call_message", "tool_return_message", "assistant_message"]


def assert_edits_kept_in_turn_order(client: Letta, agent_id: str, lines: list[str]) -> None:
    """Each of `lines` was inserted into the agent's `log` block by a turn of its own (none
    lost or overwritten), and the turns never interleaved in the history."""
    value = client.agents.blocks.retrieve("log", agent_id=agent_id).value
    assert sorted(value.split("\n")[1:]) == sorted(lines)
    history = list(client.agents.messages.list(agent_id, order="asc", limit=1000))
    assert [m.message_type for m in history[1:]] == EDIT_TURN * len(lines)
    for start in range(1, len(history), len(EDIT_TURN)):
        user, call, result, reply = history[start : start + len(EDIT_TURN)]
        assert json.loads(call.tool_call.arguments)["new_string"] in user.content
        assert {user.run_id, call.run_id, result.run_id, reply.run_id} == {user.run_id}


def write_directly(database_url: str, *statements: Executable) -> None:
    """Run `statements` on the server's database in one transaction, behind the server's
    back, as another worker (or anything else writing the database) may."""

    async def run() -> None:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as connection:
                for statement in statements:
                    await connection.execute(statement)
        finally:
            await engine.dispose()

    asyncio.run(run())
