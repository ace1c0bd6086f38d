"""Shared helpers of the Agent File tests: a populated agent, upload, and row counts."""

import json
import re
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


# The system message is compiled again on import: it shows the agent's own id and when it
# was compiled. Those two lines, and the export time, are all that may differ.
COMPILED_LINES = re.compile(r"^- (AGENT_ID|System prompt last recompiled): .*$", re.MULTILINE)


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    document = json.loads(json.dumps(document))
    document.pop("created_at")
    for agent in document["agents"]:
        for message in agent["messages"]:
            if message["role"] == "system":
                for part in message["content"]:
                    part["text"] = COMPILED_LINES.sub(r"- \1: ...", part["text"])
    return document
