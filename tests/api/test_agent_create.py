"""Creating an agent: what it answers is what it stored, also when the built-in tools it is given
changed in the database since this server last read them (services/known_tools.py); and how
many SQL statements it runs."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime

import httpx
from sqlalchemy import delete, update

from lettalite.db.models import ToolRow
from tests.custom_tools.sources import adder, unique
from tests.factories import agent_body, write_directly
from tests.servers import ROOT


def write_tool_row(database_url: str, name: str, *, description: str | None) -> None:
    """What another worker may do to a built-in tool (one of another version, say): change it
    (as every write of lettalite does, moving `updated_at` on), or, with None, remove it."""
    where = ToolRow.name == name
    if description is None:
        write_directly(database_url, delete(ToolRow).where(where))
    else:
        values = {"description": description, "updated_at": datetime.now(UTC)}
        write_directly(database_url, update(ToolRow).where(where).values(**values))


def created_as_stored(http: httpx.Client, body: dict) -> dict:
    created = http.post("/v1/agents/", json=body)
    assert created.status_code == 200, created.text
    agent = created.json()
    assert http.get(f"/v1/agents/{agent['id']}").json() == agent
    return agent


def test_an_agent_answers_as_stored_with_everything_it_can_be_given(http: httpx.Client) -> None:
    name = unique("adder")
    custom = http.post("/v1/tools/", json={"source_code": adder(name)}).json()
    shared = http.post("/v1/blocks/", json={"label": "shared", "value": "S"}).json()
    body = agent_body(
        # In stored order: the answer to a create keeps the order sent, a read sorts them.
        tags=["a", "b", "a"],
        block_ids=[shared["id"]],
        tools=[name],
        tool_ids=[custom["id"]],  # the same tool: attached once
        include_base_tool_rules=True,
        tool_rules=[{"type": "exit_loop", "tool_name": name}],
    )
    for _ in range(2):  # the second creation finds the built-in tools known
        agent = created_as_stored(http, body)
        assert agent["tags"] == ["a", "b"]
        assert [b["label"] for b in agent["blocks"]] == ["persona", "human", "shared"]
        names = {"conversation_search", "memory_insert", "memory_replace", name}
        assert sorted(t["name"] for t in agent["tools"]) == sorted(names)
        assert {r["tool_name"] for r in agent["tool_rules"]} == names
        assert len(agent["message_ids"]) == 1


def test_a_built_in_tool_changed_or_removed_since_it_was_read_is_not_attached_as_it_was(
    start_server,
) -> None:
    server = start_server()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        body = agent_body(include_base_tool_rules=True)
        [first, *_] = created_as_stored(http, body)["tools"]
        write_tool_row(server.database_url, first["name"], description="Changed.")
        agent = created_as_stored(http, body)
        assert {t["name"]: t["description"] for t in agent["tools"]}[first["name"]] == "Changed."
        assert created_as_stored(http, body)["tools"] == agent["tools"]

        write_tool_row(server.database_url, first["name"], description=None)
        refused = http.post("/v1/agents/", json=body)
        assert refused.status_code == 400
        assert first["name"] in refused.json()["detail"]


def test_a_creation_runs_at_most_five_statements(database_factory) -> None:
    """Counted by bench/sql_log.py from SQLAlchemy's log, on a server of its own: the agent,
    its memory block, its system message and the links to the block and to the default tools
    (once the server has read those: its first creation reads them first)."""
    database = {"LETTALITE_DATABASE_URL": database_factory()}
    counted = subprocess.run(
        [sys.executable, "-m", "bench.sql_log", "--only", "agent create"],
        cwd=ROOT,
        env={**os.environ, **database},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert counted.returncode == 0, counted.stderr
    found = re.search(r"agent create: (\d+) statements", counted.stdout)
    assert found is not None, counted.stdout
    assert int(found.group(1)) <= 5
