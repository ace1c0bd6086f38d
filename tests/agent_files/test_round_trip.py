"""Export from one server, import on a fresh one, through the official SDK: the agent keeps
its memory, tools, archival memory and history, and exporting it again gives the same file."""

import json

import httpx
from letta_client import Letta

from tests.agent_files.helpers import (
    EMBEDDING,
    SHOUT_SOURCE,
    comparable,
    populated_agent,
    upload,
)
from tests.factories import SEED_BLOCKS, SEED_MODEL, call_directive
from tests.servers import LettaliteServer


def sdk(server: LettaliteServer) -> Letta:
    return Letta(base_url=server.url, _strict_response_validation=True, max_retries=0)


def history(api: Letta, agent_id: str) -> list[str]:
    """The agent's messages after its system prompt, without ids and times."""
    volatile = {"id", "otid", "date", "run_id", "step_id", "sender_id"}
    messages = api.agents.messages.list(agent_id, limit=1000, order="asc")
    return [
        json.dumps(m.model_dump(exclude=volatile), sort_keys=True, default=str)
        for m in messages
        if m.message_type != "system_message"
    ]


def test_exported_agent_answers_on_a_fresh_server_with_its_memory(
    client: Letta, start_server
) -> None:
    agent_id = populated_agent(client)
    text = client.agents.export_file(agent_id)
    assert text.startswith('{\n  "agents": [')  # the document, indented by two spaces
    fresh = sdk(start_server())

    [imported_id] = fresh.agents.import_file(file=("agent.af", text.encode())).agent_ids

    original = client.agents.retrieve(agent_id)
    imported = fresh.agents.retrieve(imported_id)
    assert imported.id != agent_id and imported.name == "exported_agent_copy"
    assert {b.label: b.value for b in imported.memory.blocks} == {
        b.label: b.value for b in original.memory.blocks
    }
    assert "Cameron" in next(b.value for b in imported.memory.blocks if b.label == "human")
    assert sorted(imported.tags) == ["export", "travel"]
    assert imported.embedding == EMBEDDING
    assert [rule.type for rule in imported.tool_rules] == [r.type for r in original.tool_rules]
    [shout] = [tool for tool in imported.tools if tool.name == "shout"]
    assert shout.source_code == SHOUT_SOURCE and shout.tool_type == "custom"
    assert {s.key: s.value for s in imported.secrets} == {"API_TOKEN": ""}  # scrubbed
    [passage] = fresh.agents.passages.list(imported_id)
    assert passage.text == "Cameron keeps bees on the roof" and passage.tags == ["bees"]
    assert passage.embedding_config.handle == EMBEDDING

    assert history(fresh, imported_id) == history(client, agent_id)
    # The system prompt is compiled again here, showing the new agent's id.
    system = next(iter(fresh.agents.messages.list(imported_id, limit=1, order="asc")))
    assert f"AGENT_ID: {imported_id}" in system.content

    reply = fresh.agents.messages.create(imported_id, input="What is my name?")
    assert reply.messages[-1].content == "Your name is Cameron."
    found = fresh.agents.messages.create(
        imported_id, input=call_directive("conversation_search", query="pelican")
    )
    assert "The secret word is pelican" in found.messages[-1].content
    hits = fresh.agents.passages.search(imported_id, query="bees on the roof")
    assert hits.results[0].content == "Cameron keeps bees on the roof"


def test_second_export_equals_the_first(client: Letta, start_server) -> None:
    agent_id = populated_agent(client, name="twice_exported")
    first = json.loads(client.agents.export_file(agent_id))
    other = start_server()
    fresh = sdk(other)
    [imported_id] = fresh.agents.import_file(
        file=("agent.af", json.dumps(first).encode()), append_copy_suffix=False
    ).agent_ids

    second = json.loads(fresh.agents.export_file(imported_id))

    assert comparable(second) == comparable(first)
    assert second["agents"][0]["messages"] != []
    assert first["agents"][0]["secrets"] == {"API_TOKEN": ""}
    assert "s3cret-value" not in json.dumps(first)


def test_export_options(client: Letta, http: httpx.Client) -> None:
    agent_id = populated_agent(client, name="options")
    scrubbed = json.loads(client.agents.export_file(agent_id, scrub_messages=True))
    assert scrubbed["agents"][0]["messages"] == []
    assert scrubbed["agents"][0]["in_context_message_ids"] == []
    assert scrubbed["agents"][0]["passages"]  # memory, not messages: kept

    full = json.loads(client.agents.export_file(agent_id))
    [agent] = full["agents"]
    assert agent["id"] == "agent-0" and agent["block_ids"] == ["block-0", "block-1"]
    assert agent["in_context_message_ids"][0] == "message-0"
    roles = [m["role"] for m in agent["messages"]]
    assert roles[0] == "system" and "tool" in roles
    [call_message] = [m for m in agent["messages"] if m["tool_calls"]][-1:]
    assert call_message["tool_calls"][0]["function"]["name"] == "shout"
    [returned] = [m for m in agent["messages"] if m["role"] == "tool"][-1:]
    assert returned["tool_returns"][0]["status"] == "success"
    assert full["metadata"]["revision_id"]

    legacy = http.get(f"/v1/agents/{agent_id}/export", params={"use_legacy_format": True}).json()
    assert [b["label"] for b in legacy["core_memory"]] == ["persona", "human"]
    assert legacy["in_context_message_indices"][0] == 0

    posted = http.post(
        f"/v1/agents/{agent_id}/export",
        json={"scrub_messages": True, "skills": [{"name": "haiku", "files": {"SKILL.md": "x"}}]},
    ).json()
    assert posted["skills"] == [{"name": "haiku", "files": {"SKILL.md": "x"}}]
    assert posted["agents"][0]["messages"] == []


def test_legacy_export_imports_again(client: Letta, http: httpx.Client) -> None:
    agent_id = populated_agent(client, name="legacy_round_trip")
    legacy = http.get(f"/v1/agents/{agent_id}/export", params={"use_legacy_format": True})
    response = http.post("/v1/agents/import", **upload(legacy.content))
    assert response.status_code == 200, response.text
    [imported_id] = response.json()["agent_ids"]
    imported = client.agents.retrieve(imported_id)
    assert imported.name == "legacy_round_trip_copy"
    assert "Cameron" in next(b.value for b in imported.memory.blocks if b.label == "human")


def test_an_agent_waiting_for_approval_still_waits_after_import(client: Letta) -> None:
    agent = client.agents.create(
        name="waiting",
        memory_blocks=SEED_BLOCKS,
        model=SEED_MODEL,
        tool_rules=[{"type": "requires_approval", "tool_name": "memory_replace"}],
    )
    paused = client.agents.messages.create(agent.id, input="My name is Cameron")
    assert paused.stop_reason.stop_reason == "requires_approval"
    text = client.agents.export_file(agent.id)

    [copy_id] = client.agents.import_file(file=("agent.af", text.encode())).agent_ids

    pending = client.agents.retrieve(copy_id).pending_approval
    [call] = pending.tool_calls
    assert call.name == "memory_replace"
    approval = {"type": "approval", "tool_call_id": call.tool_call_id, "approve": True}
    client.agents.messages.create(copy_id, messages=[{"type": "approval", "approvals": [approval]}])
    human = client.agents.blocks.retrieve("human", agent_id=copy_id).value
    assert human.startswith("Name: Cameron")
    original = client.agents.blocks.retrieve("human", agent_id=agent.id).value
    assert original == SEED_BLOCKS[1]["value"]  # the original still waits, untouched


def test_export_of_a_named_conversation(client: Letta) -> None:
    agent = client.agents.create(name="talkative", memory_blocks=SEED_BLOCKS, model=SEED_MODEL)
    client.agents.messages.create(agent.id, input="Said in the default conversation")
    conversation = client.conversations.create(agent_id=agent.id)
    list(client.conversations.messages.create(conversation.id, input="Said in the side one"))

    document = json.loads(client.agents.export_file(agent.id, conversation_id=conversation.id))

    texts = json.dumps(document["agents"][0]["messages"])
    assert "Said in the side one" in texts and "Said in the default conversation" not in texts
    [copy_id] = client.agents.import_file(file=("agent.af", json.dumps(document))).agent_ids
    users = [
        m.content
        for m in client.agents.messages.list(copy_id, order="asc")
        if m.message_type == "user_message"
    ]
    assert users == ["Said in the side one"]


def test_a_compacted_history_keeps_its_summary(client: Letta, http: httpx.Client) -> None:
    agent = client.agents.create(name="compacted", memory_blocks=SEED_BLOCKS, model=SEED_MODEL)
    for turn in range(6):
        client.agents.messages.create(agent.id, input=f"message number {turn}")
    client.agents.messages.compact(agent.id)
    first = json.loads(client.agents.export_file(agent.id))
    [summary] = [m for m in first["agents"][0]["messages"] if m["role"] == "summary"]
    assert first["agents"][0]["in_context_message_ids"][1] == summary["id"]

    [copy_id] = client.agents.import_file(
        file=("agent.af", json.dumps(first)), append_copy_suffix=False
    ).agent_ids

    original = http.get(f"/v1/agents/{agent.id}/context").json()
    copied = http.get(f"/v1/agents/{copy_id}/context").json()
    for key in ("summary_memory", "num_messages", "num_recall_memory"):
        assert copied[key] == original[key]
    second = json.loads(client.agents.export_file(copy_id))
    assert comparable(second) == comparable(first)
