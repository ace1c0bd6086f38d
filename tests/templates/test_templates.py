"""Templates through the official Python SDK (1.x): an agent saved as a template, agents made
from its versions, saving, updating, rolling back, listing and deleting; bad input refused
with a detail and nothing written."""

import json
import secrets
from typing import Any

import httpx
import letta_client
import pytest
from letta_client import Letta

from tests.agent_files.helpers import SHOUT_SOURCE
from tests.factories import SEED_MODEL, call_directive

SYSTEM = "You are the lighthouse assistant. Answer briefly."
HUMAN_TEMPLATE = "Name: {{user_name}}\nHome: {{ town }}"


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def template_agent(client: Letta) -> str:
    """An agent with its own system prompt, memory with variables, a custom tool and history."""
    tool = client.tools.create(source_code=SHOUT_SOURCE)
    agent = client.agents.create(
        name="lighthouse",
        system=SYSTEM,
        memory_blocks=[
            {"label": "persona", "value": "I keep the light."},
            {"label": "human", "value": HUMAN_TEMPLATE},
        ],
        model=SEED_MODEL,
        tool_ids=[tool.id],
        tags=["coast"],
        secrets={"API_TOKEN": "kept-out-of-templates"},
    )
    client.agents.messages.create(agent.id, input="The secret word is pelican")
    return agent.id


def versions(http: httpx.Client, name: str) -> list[dict[str, Any]]:
    response = http.get(f"/v1/templates/default/{name}/versions")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total_count"] == len(body["versions"]) and body["has_next_page"] is False
    return body["versions"]


def system_of(client: Letta, template_version: str) -> str:
    [agent_id] = client.templates.agents.create(template_version).agent_ids
    return client.agents.retrieve(agent_id).system


def agent_file_with_system(client: Letta, agent_id: str, system: str) -> dict[str, Any]:
    document = json.loads(client.agents.export_file(agent_id))
    document["agents"][0]["system"] = system
    return document


def test_agent_from_template_has_its_memory_tools_prompt_and_model_and_answers(
    client: Letta, http: httpx.Client
) -> None:
    source_id = template_agent(client)
    name = unique("lighthouse")
    template = client.templates.create(type="agent", agent_id=source_id, name=name)
    assert template.name == name and template.latest_version == "1"
    assert template.id.startswith("template-") and template.project_id == "default"
    assert template.template_deployment_slug == f"default/{name}:1"
    identity = http.post(
        "/v1/identities/",
        json={"identifier_key": unique("keeper"), "name": "Ada", "identity_type": "user"},
    ).json()

    created = client.templates.agents.create(
        f"{name}:latest",
        agent_name="night shift",
        tags=["coast", "night"],
        memory_variables={"user_name": "Ada", "town": "Portree"},
        tool_variables={"API_TOKEN": "night-token", "REGION": "north"},
        identity_ids=[identity["id"]],
    )

    [agent_id] = created.agent_ids
    assert created.deployment_id.startswith("deployment-") and created.group_id is None
    agent = client.agents.retrieve(agent_id)
    assert agent.name == "night shift" and agent.system == SYSTEM and agent.model == SEED_MODEL
    blocks = {block.label: block.value for block in agent.memory.blocks}
    assert blocks == {"persona": "I keep the light.", "human": "Name: Ada\nHome: Portree"}
    assert "shout" in [tool.name for tool in agent.tools]
    assert sorted(agent.tags) == ["coast", "night"]
    assert {s.key: s.value for s in agent.secrets} == {
        "API_TOKEN": "night-token",
        "REGION": "north",
    }
    assert agent.identity_ids == [identity["id"]]
    assert agent.base_template_id == template.id and agent.template_id.startswith(
        "template_version-"
    )
    assert agent.deployment_id == created.deployment_id
    # The template holds no messages: the new agent starts with its system prompt only.
    history = list(client.agents.messages.list(agent_id, limit=100))
    assert [m.message_type for m in history] == ["system_message"]
    assert "pelican" not in json.dumps([m.model_dump(mode="json") for m in history])

    reply = client.agents.messages.create(agent_id, input="What is my name?")
    assert reply.messages[-1].content == "Your name is Ada."
    shouted = client.agents.messages.create(agent_id, input=call_directive("shout", text="hi"))
    [tool_return] = [m for m in shouted.messages if m.message_type == "tool_return_message"]
    assert tool_return.tool_return == "HI" and tool_return.status == "success"
    # The memory of the source agent is untouched: variables fill only the copies.
    source_blocks = client.agents.retrieve(source_id).memory.blocks
    assert HUMAN_TEMPLATE in [block.value for block in source_blocks]


def test_defaults_keep_the_templates_name_and_tags_and_a_given_first_message_sequence(
    client: Letta,
) -> None:
    name = unique("plain")
    client.templates.create(type="agent", agent_id=template_agent(client), name=name)

    [plain_id] = client.templates.agents.create(name).agent_ids
    [seeded_id] = client.templates.agents.create(
        f"{name}:1",
        initial_message_sequence=[
            {"role": "user", "content": "Hello from the harbour"},
            {"role": "assistant", "content": "Hello, harbour"},
        ],
    ).agent_ids

    plain = client.agents.retrieve(plain_id)
    assert plain.name == "lighthouse" and plain.tags == ["coast"]
    # Secret values are never in a template; their names are.
    assert {s.key: s.value for s in plain.secrets} == {"API_TOKEN": ""}
    seeded = client.agents.messages.list(seeded_id, limit=100, order="asc")
    texts = [(m.message_type, m.content) for m in seeded if m.message_type != "system_message"]
    assert texts == [
        ("user_message", "Hello from the harbour"),
        ("assistant_message", "Hello, harbour"),
    ]


def test_save_update_rollback_and_versions(client: Letta, http: httpx.Client) -> None:
    source_id = template_agent(client)
    name = unique("versions")
    client.templates.create(type="agent", agent_id=source_id, name=name)

    updated = client.templates.update(
        name, agent_file_json=agent_file_with_system(client, source_id, "Second prompt")
    )
    assert updated.success is True
    # Updating changes the working copy only: version 1 and `latest` are as they were.
    assert system_of(client, f"{name}:latest") == SYSTEM
    saved = client.templates.save(name, message="a new prompt")
    assert saved.latest_version == "2" and saved.template_deployment_slug == f"default/{name}:2"
    assert system_of(client, f"{name}:2") == "Second prompt"
    assert system_of(client, f"{name}:1") == SYSTEM
    assert [(v["version"], v["message"], v["is_latest"]) for v in versions(http, name)] == [
        ("2", "a new prompt", True),
        ("1", None, False),
    ]

    rolled = client.templates.rollback(name, version="1")
    assert rolled.success is True and "version 1" in rolled.message
    assert client.templates.save(name).latest_version == "3"
    assert system_of(client, f"{name}:3") == SYSTEM

    # Unsaved changes are saved as a version before a rollback, and before an update if asked.
    client.templates.update(
        name, agent_file_json=agent_file_with_system(client, source_id, "Third prompt")
    )
    client.templates.rollback(name, version="2")
    assert system_of(client, f"{name}:4") == "Third prompt"
    client.templates.update(
        name,
        agent_file_json=agent_file_with_system(client, source_id, "Fourth prompt"),
        save_existing_changes=True,
    )
    assert system_of(client, f"{name}:5") == "Second prompt"
    assert client.templates.save(name).latest_version == "6"
    assert system_of(client, f"{name}:latest") == "Fourth prompt"
    assert [v["version"] for v in versions(http, name)] == ["6", "5", "4", "3", "2", "1"]


def test_create_from_an_agent_file_list_and_delete(client: Letta, http: httpx.Client) -> None:
    source_id = template_agent(client)
    document = agent_file_with_system(client, source_id, "From a file")
    template = client.templates.create(type="agent_file", agent_file=document)
    assert template.name.startswith("template-") and template.latest_version == "1"
    [agent_id] = client.templates.agents.create(f"{template.name}:1").agent_ids

    listed = http.get("/v1/templates", params={"name": template.name, "exact": "true"}).json()
    assert [t["id"] for t in listed["templates"]] == [template.id]
    assert listed["has_next_page"] is False
    searched = http.get("/v1/templates", params={"search": template.name[-8:].upper()}).json()
    assert template.id in [t["id"] for t in searched["templates"]]
    client.templates.create(type="agent", agent_id=source_id)  # a second one, whatever ran before
    first = http.get("/v1/templates", params={"limit": 1}).json()
    assert len(first["templates"]) == 1 and first["has_next_page"] is True

    assert client.templates.delete(template.name).success is True
    with pytest.raises(letta_client.NotFoundError):
        client.templates.save(template.name)
    assert http.get("/v1/templates", params={"name": template.name}).json()["templates"] == []
    # Agents made from it stay.
    assert client.agents.retrieve(agent_id).system == "From a file"


def detail(error: letta_client.APIStatusError) -> str:
    return error.response.json()["detail"]


def test_unknown_template_is_404_with_detail(client: Letta, http: httpx.Client) -> None:
    missing = unique("missing")
    calls = [
        lambda: client.templates.save(missing),
        lambda: client.templates.rollback(missing, version="1"),
        lambda: client.templates.delete(missing),
        lambda: client.templates.update(missing, agent_file_json={"agents": []}),
        lambda: client.templates.agents.create(f"{missing}:latest"),
    ]
    for call in calls:
        with pytest.raises(letta_client.NotFoundError) as error:
            call()
        assert detail(error.value) == f"Template {missing} not found"
    response = http.get(f"/v1/templates/default/{missing}/versions")
    assert (
        response.status_code == 404 and response.json()["detail"] == f"Template {missing} not found"
    )


def test_bad_versions_names_and_sources_are_refused(client: Letta, http: httpx.Client) -> None:
    source_id = template_agent(client)
    name = unique("strict")
    client.templates.create(type="agent", agent_id=source_id, name=name)

    for version in ("current", "dev", "abc", "0", "-1"):
        with pytest.raises(letta_client.BadRequestError) as error:
            client.templates.rollback(name, version=version)
        assert "version" in detail(error.value)
        with pytest.raises(letta_client.BadRequestError):
            client.templates.agents.create(f"{name}:{version}")
    with pytest.raises(letta_client.NotFoundError) as error:
        client.templates.rollback(name, version="9")
    assert detail(error.value) == f"Template {name} has no version 9 (its versions are 1 to 1)"
    with pytest.raises(letta_client.NotFoundError):
        client.templates.agents.create(f"{name}:2")

    with pytest.raises(letta_client.ConflictError) as error:
        client.templates.create(type="agent", agent_id=source_id, name=name)
    assert detail(error.value) == f"A template named {name} already exists"
    with pytest.raises(letta_client.UnprocessableEntityError):
        client.templates.create(type="agent", agent_id=source_id, name="has spaces/and:colons")
    missing_agent = "agent-00000000-0000-4000-8000-000000000000"
    with pytest.raises(letta_client.NotFoundError) as error:
        client.templates.create(type="agent", agent_id=missing_agent)
    assert detail(error.value) == f"Agent {missing_agent} not found"
    response = http.post("/v1/templates", json={"type": "agent_file"})
    assert response.json() == {"detail": "agent_file.agent_file: Field required"}
    assert response.status_code == 422
    with pytest.raises(letta_client.BadRequestError) as error:
        client.templates.create(type="agent_file", agent_file={"agents": [{"id": "nope"}]})
    assert "Schema validation failed" in detail(error.value)
    with pytest.raises(letta_client.BadRequestError):
        client.templates.update(name, agent_file_json={"agents": []})
    with pytest.raises(letta_client.BadRequestError) as error:
        client.templates.save(name, migrate_agents=True)
    assert "migrate_agents" in detail(error.value)
    assert [v["version"] for v in versions(http, name)] == ["1"]


def test_unknown_identity_creates_no_agent(client: Letta) -> None:
    name = unique("identity")
    client.templates.create(type="agent", agent_id=template_agent(client), name=name)
    before = len(client.agents.list(limit=1000).items)
    missing = "identity-00000000-0000-4000-8000-000000000000"
    with pytest.raises(letta_client.NotFoundError) as error:
        client.templates.agents.create(name, identity_ids=[missing])
    assert detail(error.value) == f"Identity {missing} not found"
    assert len(client.agents.list(limit=1000).items) == before
