"""The seed quickstart through every official SDK generation, against the real server."""

from letta_client import Letta

from tests.factories import SEED_HUMAN, SEED_PERSONA, create_seed_agent
from tests.sdk.scripts import SDK0_PYTHON, SDK_DIR, TS_DIR, run_script
from tests.servers import LettaliteServer

NAME_REQUEST = "My name is Cameron. Please store this information in your memory."
STORED_HUMAN = SEED_HUMAN.replace("User", "Cameron")
EXPECTED_TOOL_CALL = (
    'Tool call: memory_replace({"label": "human", "old_string": "Name: User", '
    '"new_string": "Name: Cameron"})'
)


def assert_seed_output(lines: list[str]) -> None:
    assert lines[0].startswith("Created agent: agent-")
    assert lines[1].startswith("Assistant: Hello!")
    assert EXPECTED_TOOL_CALL in lines
    assert "Assistant: Got it! I've updated my memory with your name, Cameron." in lines
    memory = lines[lines.index("Current Memory:") + 1 :]
    assert memory[0].strip() == f"persona: {len(SEED_PERSONA)}/100000 chars"
    assert memory[1].strip() == SEED_PERSONA
    assert memory[2].strip() == f"human: {len(STORED_HUMAN)}/100000 chars"
    assert memory[3].strip() == "Name: Cameron"


def test_python_sdk_1x_seed_with_messages_and_input(client: Letta) -> None:
    agent = create_seed_agent(client)
    first = client.agents.messages.create(
        agent_id=agent.id, messages=[{"role": "user", "content": "Hello! What's your purpose?"}]
    )
    assert [m.message_type for m in first.messages] == ["assistant_message"]
    second = client.agents.messages.create(agent_id=agent.id, input=NAME_REQUEST)
    printed = [
        f"Tool call: {m.tool_call.name}({m.tool_call.arguments})"
        for m in second.messages
        if m.message_type == "tool_call_message"
    ]
    assert printed == [EXPECTED_TOOL_CALL]
    blocks = {b.label: b for b in client.agents.blocks.list(agent_id=agent.id)}
    assert (blocks["human"].value, blocks["human"].limit) == (STORED_HUMAN, 100000)


def test_python_sdk_0x_seed_with_token(server: LettaliteServer) -> None:
    assert SDK0_PYTHON.exists(), "run `make test` to create .venv-sdk0 with letta-client 0.1.324"
    lines = run_script([str(SDK0_PYTHON), str(SDK_DIR / "seed_v0.py"), server.url], SDK_DIR)
    assert_seed_output(lines)


def test_typescript_sdk_seed(server: LettaliteServer) -> None:
    assert (TS_DIR / "node_modules" / "@letta-ai").exists(), "run `make test` to npm ci the TS SDK"
    lines = run_script(["node", "seed.mjs", server.url], TS_DIR)
    assert_seed_output(lines)
    assert lines[-1] == "Assistant: Your name is Cameron."


def test_memory_and_history_survive_a_restart(client: Letta, server: LettaliteServer) -> None:
    agent = create_seed_agent(client)
    client.agents.messages.create(agent_id=agent.id, input=NAME_REQUEST)
    history = [m.id for m in client.agents.messages.list(agent.id)]

    server.restart()

    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value == STORED_HUMAN
    assert [m.id for m in client.agents.messages.list(agent.id)] == history
    answer = client.agents.messages.create(agent_id=agent.id, input="What is my name?")
    assert [m.content for m in answer.messages] == ["Your name is Cameron."]
