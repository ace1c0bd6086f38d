import httpx
import pytest
from letta_client import ConflictError, Letta, NotFoundError

from tests.factories import SEED_HUMAN, create_seed_agent, missing_id


def system_prompt(client: Letta, agent_id: str) -> str:
    [system] = [m for m in client.agents.messages.list(agent_id, order="asc", limit=1)]
    assert system.message_type == "system_message"
    return system.content


def test_agent_blocks_list_in_creation_order_and_pagination_ends(
    client: Letta, http: httpx.Client
) -> None:
    agent = create_seed_agent(client)
    blocks = list(client.agents.blocks.list(agent.id))  # follows ?after= until []
    assert [(b.label, len(b.value), b.limit) for b in blocks] == [
        ("persona", 64, 100000),
        ("human", len(SEED_HUMAN), 100000),
    ]
    url = f"/v1/agents/{agent.id}/core-memory/blocks"
    assert http.get(url, params={"after": blocks[-1].id}).json() == []
    assert [b["label"] for b in http.get(url, params={"order": "desc"}).json()] == [
        "human",
        "persona",
    ]
    assert [b["label"] for b in http.get(url, params={"limit": 1}).json()] == ["persona"]
    assert [b["label"] for b in http.get(url, params={"before": blocks[1].id}).json()] == [
        "persona"
    ]


def test_edit_block_by_label_recompiles_the_system_prompt(client: Letta) -> None:
    agent = create_seed_agent(client)
    updated = client.agents.blocks.update("human", agent_id=agent.id, value="Name: Ada")
    assert updated.value == "Name: Ada"
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value == "Name: Ada"
    assert "<value>\nName: Ada\n</value>" in system_prompt(client, agent.id)


def test_unknown_label_is_404_with_detail(http: httpx.Client, client: Letta) -> None:
    agent = create_seed_agent(client)
    response = http.get(f"/v1/agents/{agent.id}/core-memory/blocks/nope")
    assert response.status_code == 404
    assert response.json()["detail"] == f"No block with label 'nope' found for agent '{agent.id}'"


def test_edit_over_limit_is_rejected_and_nothing_changes(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    url = f"/v1/agents/{agent.id}/core-memory/blocks/human"
    response = http.patch(url, json={"value": "x" * 100001})
    assert response.status_code == 422  # the SDKs' UnprocessableEntityError, as in Letta
    assert "over its limit of 100000" in response.json()["detail"]
    assert http.get(url).json()["value"] == SEED_HUMAN
    assert http.patch(url, json={"limit": 5}).status_code == 422  # would truncate the value


def test_standalone_block_crud(client: Letta, http: httpx.Client) -> None:
    block = client.blocks.create(label="project", value="Ship v1", limit=100)
    assert block.id.startswith("block-")
    assert client.blocks.retrieve(block.id).value == "Ship v1"
    assert client.blocks.update(block.id, value="Ship v2").value == "Ship v2"
    listed = [b.id for b in client.blocks.list(label="project")]
    assert block.id in listed
    response = http.delete(f"/v1/blocks/{block.id}")
    assert response.status_code == 200 and response.json() is None
    with pytest.raises(NotFoundError):
        client.blocks.retrieve(block.id)
    other = client.blocks.create(label="notes", value="draft")
    client.blocks.delete(other.id)
    with pytest.raises(NotFoundError):
        client.blocks.delete(other.id)


def test_shared_block_edit_is_seen_by_every_agent(client: Letta) -> None:
    shared = client.blocks.create(label="team", value="Team: blue")
    first = create_seed_agent(client, block_ids=[shared.id])
    second = create_seed_agent(client)
    client.agents.blocks.attach(shared.id, agent_id=second.id)
    assert {a.id for a in client.blocks.agents.list(shared.id)} == {first.id, second.id}

    client.agents.blocks.update("team", agent_id=first.id, value="Team: green")
    for agent_id in (first.id, second.id):
        assert client.agents.blocks.retrieve("team", agent_id=agent_id).value == "Team: green"
        assert "<value>\nTeam: green\n</value>" in system_prompt(client, agent_id)

    client.blocks.update(shared.id, value="Team: red")
    assert "Team: red" in system_prompt(client, second.id)

    detached = client.agents.blocks.detach(shared.id, agent_id=second.id)
    assert "team" not in [b.label for b in detached.blocks]
    assert "<team>" not in system_prompt(client, second.id)
    assert client.agents.blocks.retrieve("team", agent_id=first.id).value == "Team: red"


def test_attaching_a_second_block_with_a_taken_label_conflicts(client: Letta) -> None:
    agent = create_seed_agent(client)
    other = client.blocks.create(label="human", value="someone else")
    with pytest.raises(ConflictError) as raised:
        client.agents.blocks.attach(other.id, agent_id=agent.id)
    assert "human" in raised.value.body["detail"]
    assert [b.label for b in client.agents.blocks.list(agent.id)] == ["persona", "human"]


def test_relabel_to_a_taken_label_conflicts(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    response = http.patch(
        f"/v1/agents/{agent.id}/core-memory/blocks/human", json={"label": "persona"}
    )
    assert response.status_code == 409
    assert [b.label for b in client.agents.blocks.list(agent.id)] == ["persona", "human"]


def test_block_ids_unknown_are_404(http: httpx.Client) -> None:
    assert http.get(f"/v1/blocks/{missing_id('block')}").status_code == 404
    assert http.get("/v1/blocks/block-nope").status_code == 422


def test_recompile_returns_the_compiled_prompt(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    prompt = client.agents.recompile(agent.id)
    assert prompt == system_prompt(client, agent.id)
    assert f"<value>\n{SEED_HUMAN}\n</value>" in prompt
    # A dry run compiles the current memory without storing it.
    http.patch(f"/v1/agents/{agent.id}/core-memory/blocks/persona", json={"value": "Quiet."})
    stored = system_prompt(client, agent.id)
    assert (
        client.agents.recompile(agent.id, dry_run=True).split("<memory_metadata>")[0]
        == (stored.split("<memory_metadata>")[0])
    )


def test_a_count_filter_past_what_the_database_compares_is_refused(http: httpx.Client) -> None:
    response = http.get("/v1/blocks/", params={"connected_to_agents_count_lt": 186244434419})
    assert response.status_code == 422
    assert "connected_to_agents_count_lt" in response.json()["detail"]
