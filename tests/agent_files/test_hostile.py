"""Malformed and hostile Agent Files: each is a 400 (413 when over the body limit) whose detail
says what is wrong, and leaves no row behind; the server keeps serving."""

import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.agent_files.helpers import row_counts, upload
from tests.agent_files.test_letta_files import letta_file

Edit = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> Edit:
    """An edit setting one value, by a dotted path with list indices."""

    def edit(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[int(last) if isinstance(target, list) else last] = value

    return edit


def _many_messages(document: dict[str, Any]) -> None:
    document["agents"][0]["messages"] = [
        {"id": f"message-{i}", "role": "user", "content": "x"} for i in range(20_001)
    ]


def _duplicate_block(document: dict[str, Any]) -> None:
    document["blocks"].append(copy.deepcopy(document["blocks"][0]))


def _same_label_twice(document: dict[str, Any]) -> None:
    document["agents"][1]["block_ids"] = ["block-0", "block-2"]  # both "persona"


BROKEN_SOURCE = "def get_weather(city: str) -> str:\n    return (\n"

CASES: dict[str, tuple[Edit, str]] = {
    "agents is a string": (_set("agents", "planner"), "agents: Input should be a valid list"),
    "block value is a number": (_set("blocks.0.value", 5), "blocks.0.value"),
    "tool rules are a string": (_set("agents.0.tool_rules", "all"), "agents.0.tool_rules"),
    "unknown tool rule": (
        _set("agents.0.tool_rules", [{"type": "teleport", "tool_name": "x"}]),
        "agents.0.tool_rules.0",
    ),
    "text part without text": (
        _set("agents.0.messages.1.content", [{"type": "text", "value": "hi"}]),
        "a text part needs `text` (str)",
    ),
    "reasoning part without reasoning": (
        _set("agents.0.messages.4.content", [{"type": "reasoning", "reasoning": 7}]),
        "a reasoning part needs `reasoning` (str)",
    ),
    "message role": (_set("agents.0.messages.1.role", "wizard"), "agents.0.messages.1.role"),
    "message time": (_set("agents.0.messages.1.created_at", "yesterday"), "created_at"),
    "unknown top-level field": (_set("surprise", True), "surprise: Extra inputs"),
    "unknown agent field": (_set("agents.0.favourite_colour", "red"), "favourite_colour"),
    "unknown tool field": (_set("tools.1.runtime", "node"), "tools.1.runtime"),
    "too many agents": (
        lambda d: d.update(agents=d["agents"] * 51),
        "agents: at most 100 items are allowed, got 102",
    ),
    "too many messages": (_many_messages, "at most 20000 items are allowed"),
    "too many tags": (_set("agents.0.tags", ["t"] * 101), "tags: at most 100 items"),
    "huge id": (_set("blocks.0.id", "block-" + "9" * 500), "blocks.0.id"),
    "wrong id prefix": (_set("blocks.0.id", "tool-9"), "blocks.0.id"),
    "duplicated ids": (_duplicate_block, "duplicate ids: ['block-0']"),
    "duplicated message ids": (
        _set("agents.0.messages.2.id", "message-1"),
        "duplicate ids: ['message-1']",
    ),
    "missing block": (
        _set("agents.0.block_ids", ["block-0", "block-77"]),
        "refers to blocks not in the file: ['block-77']",
    ),
    "missing in-context message": (
        _set("agents.0.in_context_message_ids", ["message-0", "message-99"]),
        "messages not in the file: ['message-99']",
    ),
    "two blocks with one label": (_same_label_twice, "labels are unique per agent"),
    "value over its limit": (_set("blocks.0.limit", 3), "over its limit of 3"),
    "NUL character": (_set("blocks.0.value", "a\x00b"), "NUL"),
    "tool with broken source": (
        _set("tools.1.source_code", BROKEN_SOURCE),
        "tool 'get_weather': its Python source cannot be read",
    ),
    "tool without source": (_set("tools.1.source_code", None), "tool 'get_weather'"),
    "tool named like a built-in": (
        _set("tools.1.name", "send_message"),
        "duplicate tool names: ['send_message']",
    ),
    "MCP tool without its server": (
        _set("tools.2.metadata_", {"mcp": {"server_id": "mcp_server-9"}}),
        "tool 'search_docs'",
    ),
    "MCP server at a metadata address": (
        _set("mcp_servers.0.server_url", "http://169.254.169.254/latest"),
        "metadata address",
    ),
    "no agents": (_set("agents", []), "the file holds no agents"),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_document_is_refused_whole(http: httpx.Client, case: str) -> None:
    edit, expected = CASES[case]
    document = letta_file("letta_1x_team.af")
    edit(document)
    before = row_counts(http)
    response = http.post("/v1/agents/import", **upload(json.dumps(document)))
    assert response.status_code == 400, response.text
    assert expected in response.json()["detail"]
    assert row_counts(http) == before
    assert http.get("/v1/health/").status_code == 200


RAW_CASES = {
    "not JSON": (b"agents: [planner]", "Corrupted agent file format."),
    "not UTF-8": (b"\xff\xfe{", "Corrupted agent file format."),
    "a JSON list": (b"[1, 2]", "must be a JSON object"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "Corrupted agent file format."),
    "no agents key": (b'{"name": "x"}', "Legacy AgentSchema format is deprecated"),
    "NaN vector": (
        b'{"agents": [{"id": "agent-0", "passages": [{"id": "passage-0", "text": "x", '
        b'"embedding": [NaN]}]}]}',
        "finite",
    ),
    "legacy with bad indices": (
        b'{"core_memory": [], "messages": [], "in_context_message_indices": [3]}',
        "in_context_message_indices",
    ),
    "legacy with bad core memory": (b'{"core_memory": "persona"}', "core_memory"),
}


@pytest.mark.parametrize("case", RAW_CASES)
def test_unreadable_file_is_refused(http: httpx.Client, case: str) -> None:
    content, expected = RAW_CASES[case]
    before = row_counts(http)
    response = http.post("/v1/agents/import", **upload(content))
    assert response.status_code == 400, response.text
    assert expected in response.json()["detail"]
    assert row_counts(http) == before


def test_a_late_failure_leaves_no_server_or_tool(http: httpx.Client) -> None:
    """The MCP server and the custom tool are written before the block over its limit is met:
    the transaction takes them back."""
    document = letta_file("letta_1x_team.af")
    document["mcp_servers"][0]["server_name"] = "late_failure_docs"
    document["tools"][1]["name"] = document["tools"][1]["json_schema"]["name"] = "late_weather"
    document["tools"][1]["source_code"] = document["tools"][1]["source_code"].replace(
        "get_weather", "late_weather"
    )
    document["blocks"][2]["limit"] = 1
    before = row_counts(http)
    response = http.post("/v1/agents/import", **upload(json.dumps(document)))
    assert response.status_code == 400 and "over its limit" in response.json()["detail"]
    assert row_counts(http) == before
    names = [tool["name"] for tool in http.get("/v1/tools/", params={"limit": 1000}).json()]
    assert "late_weather" not in names


def test_bad_secrets_form_field(http: httpx.Client) -> None:
    document = json.dumps(letta_file("letta_1x_team.af"))
    response = http.post("/v1/agents/import", **upload(document, secrets="{not json"))
    assert response.status_code == 400
    assert response.json()["detail"] == "secrets must be a valid JSON string"


def test_double_encoded_document_is_unwrapped(http: httpx.Client) -> None:
    document = json.dumps(json.dumps(letta_file("letta_0x_legacy.af")))
    response = http.post("/v1/agents/import", **upload(document))
    assert response.status_code == 200, response.text


def test_file_over_the_body_limit(start_server) -> None:
    server = start_server(LETTALITE_MAX_BODY_BYTES="10000")
    with httpx.Client(base_url=server.url, timeout=30) as http:
        big = json.dumps(letta_file("letta_1x_team.af"))  # about 20 kB
        response = http.post("/v1/agents/import", **upload(big))
        assert response.status_code == 413
        assert response.json()["detail"]
        assert http.get("/v1/agents/").json() == []
