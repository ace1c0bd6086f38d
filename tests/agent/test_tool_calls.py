"""Tool calls as the model makes them: failures reach the model as tool errors, never as
HTTP errors, and leave memory as it was."""

import json

import pytest
from letta_client import Letta

from tests.factories import SEED_HUMAN, create_seed_agent
from tests.factories import call_directive as call


def run(client: Letta, agent_id: str, text: str):
    response = client.agents.messages.create(agent_id=agent_id, input=text)
    returns = [m for m in response.messages if m.message_type == "tool_return_message"]
    return response, returns


ERROR_CASES = [
    pytest.param(
        call("memory_replace", label="nope", old_string="a", new_string="b"),
        "Memory block 'nope' does not exist. Available blocks: persona, human",
        id="unknown-label",
    ),
    pytest.param(
        call("memory_replace", label="human", old_string="Bob", new_string="b"),
        "did not appear verbatim in memory block with label `human`",
        id="old-string-absent",
    ),
    pytest.param(
        call("memory_replace", label="human", old_string="Le", new_string="b"),
        "Multiple occurrences of old_string `Le` in lines [2, 2]",
        id="not-unique",
    ),
    pytest.param(
        call("memory_replace", label="human", old_string="1→ Name: User", new_string="Name: X"),
        "old_string contains a line number prefix",
        id="line-number-prefix",
    ),
    pytest.param(
        call("memory_insert", label="human", new_string="x", insert_line=9),
        "Invalid `insert_line` parameter: 9",
        id="bad-insert-line",
    ),
    pytest.param(
        call("memory_insert", label="human", new_string="x" * 100000),
        "Edit failed: Exceeds 100000 character limit",
        id="over-limit",
    ),
    pytest.param(
        '[[raw memory_insert {"label": "human",]]',
        "The arguments of memory_insert are not valid JSON",
        id="malformed-json",
    ),
    pytest.param(
        call("memory_insert", label="human"),
        "Missing required argument 'new_string'",
        id="missing-argument",
    ),
    pytest.param(
        call("memory_rethink", label="human", new_memory="x"),
        "Tool 'memory_rethink' is not attached to this agent",
        id="not-attached",
    ),
    pytest.param(call("launch_rockets"), "Tool 'launch_rockets' does not exist", id="unknown"),
]


@pytest.mark.parametrize(("directive", "message"), ERROR_CASES)
def test_tool_failures_are_reported_to_the_model(
    client: Letta, directive: str, message: str
) -> None:
    agent = create_seed_agent(client)
    response, [result] = run(client, agent.id, directive)
    assert result.status == "error"
    assert message in result.tool_return
    # The model saw the failure envelope and finished its turn normally.
    [reply] = [m for m in response.messages if m.message_type == "assistant_message"]
    assert '"status": "Failed"' in reply.content
    assert response.stop_reason.stop_reason == "end_turn"
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value == SEED_HUMAN


def test_read_only_block_cannot_be_edited_by_the_model(client: Letta) -> None:
    agent = create_seed_agent(
        client, memory_blocks=[{"label": "policy", "value": "Be kind.", "read_only": True}]
    )
    _, [result] = run(client, agent.id, call("memory_insert", label="policy", new_string="x"))
    assert (result.status, result.tool_return) == (
        "error",
        "Error This block is read-only and cannot be edited.",
    )
    assert client.agents.blocks.retrieve("policy", agent_id=agent.id).value == "Be kind."


def test_successful_edits_persist_and_chain_within_a_turn(client: Letta) -> None:
    agent = create_seed_agent(client)
    text = call("memory_insert", label="human", new_string="Likes: tea") + call(
        "memory_replace", label="human", old_string="tea", new_string="coffee"
    )
    response, returns = run(client, agent.id, text)
    assert [r.status for r in returns] == ["success", "success"]
    expected = SEED_HUMAN + "\nLikes: coffee"
    assert returns[-1].tool_return == expected
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value == expected
    assert response.usage.step_count == 3


def test_parallel_tool_calls_in_one_step(client: Letta) -> None:
    agent = create_seed_agent(client)
    text = (
        "[[parallel]]"
        + call("memory_insert", label="human", new_string="A")
        + call("memory_insert", label="persona", new_string="B")
    )
    response, returns = run(client, agent.id, text)
    calls = [m for m in response.messages if m.message_type == "tool_call_message"]
    assert len({m.id for m in calls}) == 1 and len(calls) == 2
    assert [r.status for r in returns] == ["success", "success"]
    assert [r.tool_call_id for r in returns] == [c.tool_call.tool_call_id for c in calls]


def test_attachable_tools_work_once_attached(client: Letta) -> None:
    agent = create_seed_agent(client, tools=["memory_rethink", "memory", "core_memory_append"])
    _, [rethink] = run(
        client, agent.id, call("memory_rethink", label="human", new_memory="Name: Rethought")
    )
    assert rethink.status == "success"
    _, [append] = run(
        client, agent.id, call("core_memory_append", label="human", content="Plays chess")
    )
    assert append.tool_return == "Name: Rethought\nPlays chess"
    _, [created] = run(
        client,
        agent.id,
        call(
            "memory",
            command="create",
            path="/memories/projects",
            description="Ongoing work",
            file_text="lettalite",
        ),
    )
    assert created.status == "success"
    block = client.agents.blocks.retrieve("projects", agent_id=agent.id)
    assert (block.value, block.description) == ("lettalite", "Ongoing work")
    [system] = client.agents.messages.list(agent.id, order="asc", limit=1).items
    assert "<projects>" in system.content and "Plays chess" in system.content
    _, [deleted] = run(client, agent.id, call("memory", command="delete", path="projects"))
    assert deleted.status == "success"
    assert "projects" not in [b.label for b in client.agents.blocks.list(agent.id)]


def test_conversation_search_applies_its_filters(client: Letta) -> None:
    agent = create_seed_agent(client)
    client.agents.messages.create(agent_id=agent.id, input="my favourite fruit is a mango")
    _, [found] = run(client, agent.id, call("conversation_search", query="MANGO", roles=["user"]))
    results = json.loads(found.tool_return)
    assert [r["content"] for r in results["results"]] == ["my favourite fruit is a mango"]
    assert results["results"][0]["role"] == "user"
    _, [assistant_only] = run(
        client, agent.id, call("conversation_search", query="mango", roles=["assistant"], limit=1)
    )
    assert len(json.loads(assistant_only.tool_return)["results"]) == 1
    _, [future] = run(
        client, agent.id, call("conversation_search", query="mango", start_date="2999-01-01")
    )
    assert json.loads(future.tool_return) == {"message": "No results found.", "results": []}
    _, [bad_date] = run(
        client, agent.id, call("conversation_search", query="mango", start_date="last tuesday")
    )
    assert bad_date.status == "error" and "start_date" in bad_date.tool_return
