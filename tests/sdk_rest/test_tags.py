"""`GET /v1/tags/` through the official Python SDK: the tags of agents and blocks together,
sorted by name, filtered and paged by tag."""

import uuid

import httpx
from letta_client import Letta

from tests.factories import create_seed_agent


def test_tags_of_agents_and_blocks_sorted_filtered_and_paged(client: Letta) -> None:
    mark = uuid.uuid4().hex[:8]  # the server is shared: only this test's tags carry it
    create_seed_agent(client, tags=[f"{mark}-beta", f"{mark}-alpha"])
    create_seed_agent(client, tags=[f"{mark}-alpha"])
    client.blocks.create(label="notes", value="x", tags=[f"{mark}-gamma", f"{mark}-alpha"])
    mine = [f"{mark}-alpha", f"{mark}-beta", f"{mark}-gamma"]
    assert client.tags.list(name=mark) == mine
    assert client.tags.list(name=mark.upper(), order="desc") == mine[::-1]
    assert client.tags.list(query_text=f"{mark}-b") == [f"{mark}-beta"]
    assert client.tags.list(name=mark, limit=2) == mine[:2]
    assert client.tags.list(name=mark, after=mine[0]) == mine[1:]
    assert client.tags.list(name=mark, before=mine[2], limit=1) == mine[1:2]
    assert client.tags.list(name=mark, order="desc", after=mine[2]) == mine[1::-1]
    assert set(mine) <= set(client.tags.list(limit=1000))


def test_bad_tag_queries_are_refused(http: httpx.Client) -> None:
    assert http.get("/v1/tags/", params={"limit": 0}).status_code == 422
    refused = http.get("/v1/tags/", params={"order": "sideways"})
    assert refused.status_code == 422 and "order" in str(refused.json()["detail"])
