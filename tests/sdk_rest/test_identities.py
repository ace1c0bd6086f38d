"""Identities through the official Python SDK (letta-client 1.12.1), strictly validated.

The SDK has methods only for attaching identities to agents, for `identity_ids` on agent
create and update, and for the `identity_id` / `identifier_keys` agent filters; the
`/v1/identities` routes it lacks go through the client's own generic `get`/`post`/...,
validated as its `Identity` type. Bad input over plain HTTP.
"""

import uuid
from typing import Any

import httpx
import pytest
from letta_client import ConflictError, Letta, NotFoundError
from letta_client.types.agent_state import Identity

from tests.factories import create_seed_agent, missing_id

PLAN = {"key": "plan", "value": "pro", "type": "string"}


def unique_key() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def create(client: Letta, **body: Any) -> Identity:
    body = {"identifier_key": unique_key(), "name": "Ada", "identity_type": "user", **body}
    return client.post("/v1/identities/", body=body, cast_to=Identity)


def read(client: Letta, identity_id: str) -> Identity:
    return client.get(f"/v1/identities/{identity_id}", cast_to=Identity)


def listed(client: Letta, **query: Any) -> list[Identity]:
    return client.get("/v1/identities/", options={"params": query}, cast_to=list[Identity])


def test_create_read_update_delete(client: Letta) -> None:
    agent = create_seed_agent(client)
    block = client.blocks.create(label="account", value="Ada's account")
    identity = create(client, agent_ids=[agent.id], block_ids=[block.id], properties=[PLAN])
    assert identity.id.startswith("identity-") and identity.identity_type == "user"
    assert (identity.agent_ids, identity.block_ids) == ([agent.id], [block.id])
    assert [p.model_dump() for p in identity.properties or []] == [PLAN]
    assert read(client, identity.id) == identity

    changed = client.patch(
        f"/v1/identities/{identity.id}",
        body={"name": "Ada L.", "identity_type": "other", "block_ids": []},
        cast_to=Identity,
    )
    assert (changed.name, changed.identity_type) == ("Ada L.", "other")
    assert changed.block_ids == [] and changed.agent_ids == [agent.id]  # left out: kept
    assert client.blocks.retrieve(block.id).value == "Ada's account"  # detached, not deleted

    client.delete(f"/v1/identities/{identity.id}", cast_to=object)
    with pytest.raises(NotFoundError):
        read(client, identity.id)
    assert client.agents.retrieve(agent.id).identity_ids == []


def test_identifier_key_is_unique_and_put_upserts_by_it(client: Letta) -> None:
    key = unique_key()
    first = create(client, identifier_key=key)
    with pytest.raises(ConflictError) as refused:
        create(client, identifier_key=key)
    assert key in str(refused.value)
    body = {"identifier_key": key, "name": "Ada K.", "identity_type": "org", "properties": [PLAN]}
    upserted = client.put("/v1/identities/", body=body, cast_to=Identity)
    assert upserted.id == first.id and (upserted.name, upserted.identity_type) == ("Ada K.", "org")
    assert len(upserted.properties or []) == 1
    fresh = client.put(
        "/v1/identities/", body={**body, "identifier_key": unique_key()}, cast_to=Identity
    )
    assert fresh.id != first.id
    # Another project may use the same key.
    other = create(client, identifier_key=key, project_id="project-2")
    assert other.id != first.id and other.project_id == "project-2"


def test_list_filter_and_count(client: Letta) -> None:
    key = unique_key()
    org = create(client, identifier_key=key, name="Acme Corp", identity_type="org")
    assert [i.id for i in listed(client, identifier_key=key)] == [org.id]
    assert org.id in [i.id for i in listed(client, name="acme", identity_type="org")]
    assert org.id not in [i.id for i in listed(client, identity_type="user")]
    newest_first = listed(client, limit=2)
    assert len(newest_first) <= 2
    count = client.get(
        "/v1/identities/count", options={"params": {"identifier_key": key}}, cast_to=int
    )
    assert count == 1


def test_properties_are_replaced_whole(client: Letta) -> None:
    identity = create(client, properties=[PLAN])
    properties = [
        {"key": "seats", "value": 12, "type": "number"},
        {"key": "trial", "value": False, "type": "boolean"},
        {"key": "address", "value": {"city": "Lyon"}, "type": "json"},
    ]
    replaced = client.put(
        f"/v1/identities/{identity.id}/properties", body=properties, cast_to=Identity
    )
    assert [p.model_dump() for p in replaced.properties or []] == properties
    assert read(client, identity.id).properties == replaced.properties


def test_attach_and_detach_to_agents_through_the_sdk(client: Letta) -> None:
    agent = create_seed_agent(client)
    identity = create(client)
    client.agents.identities.attach(identity.id, agent_id=agent.id)
    state = client.agents.retrieve(agent.id)
    assert state.identity_ids == [identity.id]
    assert [i.identifier_key for i in state.identities or []] == [identity.identifier_key]
    client.agents.identities.attach(identity.id, agent_id=agent.id)  # again: no change
    assert read(client, identity.id).agent_ids == [agent.id]
    agents = client.get(f"/v1/identities/{identity.id}/agents", cast_to=list[dict])
    assert [a["id"] for a in agents] == [agent.id]
    client.agents.identities.detach(identity.id, agent_id=agent.id)
    assert client.agents.retrieve(agent.id).identity_ids == []
    assert read(client, identity.id).agent_ids == []
    with pytest.raises(NotFoundError):
        client.agents.identities.detach(identity.id, agent_id=agent.id)


def test_agents_take_identity_ids_and_filter_by_identity(client: Letta) -> None:
    first, second = create(client), create(client)
    agent = create_seed_agent(client, identity_ids=[first.id])
    assert agent.identity_ids == [first.id]
    other = create_seed_agent(client, identity_ids=[second.id])
    assert [a.id for a in client.agents.list(identity_id=first.id).items] == [agent.id]
    by_keys = client.agents.list(identifier_keys=[first.identifier_key, second.identifier_key])
    assert {a.id for a in by_keys.items} == {agent.id, other.id}
    updated = client.agents.update(agent.id, identity_ids=[second.id])
    assert updated.identity_ids == [second.id]
    assert read(client, first.id).agent_ids == []
    assert set(read(client, second.id).agent_ids) == {agent.id, other.id}
    with pytest.raises(NotFoundError):
        client.agents.update(agent.id, identity_ids=[missing_id("identity")])
    assert client.agents.retrieve(agent.id).identity_ids == [second.id]  # nothing half-written


def test_blocks_of_an_identity(client: Letta, http: httpx.Client) -> None:
    block = client.blocks.create(label="prefs", value="likes tea")
    identity = create(client)
    attached = http.patch(f"/v1/blocks/{block.id}/identities/attach/{identity.id}")
    assert attached.status_code == 200 and attached.json()["id"] == block.id
    blocks = client.get(f"/v1/identities/{identity.id}/blocks", cast_to=list[dict])
    assert [b["id"] for b in blocks] == [block.id]
    assert [b.id for b in client.blocks.list(identity_id=identity.id)] == [block.id]
    by_key = client.blocks.list(identifier_keys=[identity.identifier_key, "nobody"])
    assert [b.id for b in by_key] == [block.id]
    assert http.patch(f"/v1/blocks/{block.id}/identities/detach/{identity.id}").status_code == 200
    assert read(client, identity.id).block_ids == []


def test_bad_identity_input_is_refused_with_detail(http: httpx.Client) -> None:
    base = {"identifier_key": unique_key(), "name": "Ada", "identity_type": "user"}
    cases = [
        ({**base, "identity_type": "robot"}, 422, "identity_type"),
        ({"name": "Ada", "identity_type": "user"}, 422, "identifier_key"),
        ({**base, "surprise": 1}, 422, "surprise"),
        ({**base, "agent_ids": ["agent-1"]}, 422, "agent_ids"),
        ({**base, "properties": [{"key": "n", "value": "x", "type": "number"}]}, 400, "number"),
        ({**base, "agent_ids": [missing_id("agent")]}, 404, missing_id("agent")),
        ({**base, "block_ids": [missing_id("block")]}, 404, missing_id("block")),
    ]
    for body, status, mention in cases:
        response = http.post("/v1/identities/", json=body)
        assert response.status_code == status, body
        assert mention in str(response.json()["detail"])
    # None of them was stored.
    assert (
        http.get("/v1/identities/", params={"identifier_key": base["identifier_key"]}).json() == []
    )
    assert http.get(f"/v1/identities/{missing_id('identity')}").status_code == 404
    assert http.get("/v1/identities/identity-1").status_code == 422
    many = [{"key": f"k{i}", "value": i, "type": "number"} for i in range(257)]
    too_many = http.post("/v1/identities/", json={**base, "properties": many})
    assert too_many.status_code == 422 and "256" in str(too_many.json()["detail"])
    bad = [{"key": "k", "value": 1, "type": "text"}]
    assert (
        http.put(f"/v1/identities/{missing_id('identity')}/properties", json=bad).status_code == 422
    )
