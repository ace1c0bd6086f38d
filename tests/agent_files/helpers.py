"""Shared helpers of the Agent File tests: a populated agent, upload, and row counts."""

import json
from typing import Any

import httpx
from letta_client import Letta

from tests.factories import SEED_BLOCKS, SEED_MODEL, call_directive

EMBEDDING = "openai/text-embedding-3-small"
SHOUT_SOURCE = '''def shout(text: str) -> str:
    """Say it loudly.

    Args:
        text: What to say.

    Returns:
        str: The text in capitals.
    """
    return text.upper()
'''


def populated_agent(client: Letta, name: str = "exported_agent") -> str:
    """An agent with memory it learned, a custom tool, archival memory and a history that
    includes tool calls and returns."""
    tool = client.tools.create(source_code=SHOUT_SOURCE)
    agent = client.agents.create(
        name=name,
        memory_blocks=SEED_BLOCKS,
        model=SEED_MODEL,
        embedding=EMBEDDING,
        tool_ids=[tool.id],
        tags=["travel", "export"],
        secrets={"API_TOKEN": "s3cret-value"},
        tool_rules=[{"type": "max_count_per_step", "tool_name": "shout", "max_count_limit": 2}],
    )
    client.agents.passages.create(agent.id, text="Cameron keeps bees on the roof", tags=["bees"])
    client.agents.messages.create(agent.id, input="The secret word is pelican")
    client.agents.messages.create(agent.id, input="My name is Cameron")
    client.agents.messages.create(agent.id, input=call_directive("shout", text="hello there"))
    return agent.id


def upload(text: str | bytes, **form: Any) -> dict[str, Any]:
    """`files` and `data` of a multipart import request."""
    content = text.encode() if isinstance(text, str) else text
    return {"files": {"file": ("agent.af", content, "application/json")}, "data": form}


def row_counts(http: httpx.Client) -> dict[str, int]:
    """How many agents, blocks, tools and MCP servers the server lists."""
    return {
        "agents": len(http.get("/v1/agents/", params={"limit": 1000}).json()),
        "blocks": len(http.get("/v1/blocks/", params={"limit": 1000}).json()),
        "tools": len(http.get("/v1/tools/", params={"limit": 1000}).json()),
        "mcp_servers": len(http.get("/v1/mcp-servers/").json()),
    }


def without_export_time(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "created_at"}


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document)
