"""Custom tools through the other official SDKs: letta-client 0.1.x (`upsert_from_function`)
and the TypeScript SDK. The scripts do what an application would; the tests check the result."""

import json
import uuid

from tests.sdk.scripts import SDK0_PYTHON, SDK_DIR, TS_DIR, run_script
from tests.servers import LettaliteServer


def test_upsert_from_function_under_the_0x_sdk(server: LettaliteServer) -> None:
    [line] = run_script([str(SDK0_PYTHON), "tools_v0.py", server.url, uuid.uuid4().hex], SDK_DIR)
    result = json.loads(line)
    assert result["dice"]["name"] == "roll_dice"
    assert result["dice"]["schema"]["parameters"]["required"] == ["sides"]
    assert result["again"] == {"id": result["dice"]["id"], "description": "Rolls dice."}
    order = result["order"]["schema"]["parameters"]
    assert order["properties"]["item"]["description"] == "What to order."
    assert sorted(order["required"]) == ["item", "quantity"]
    [returned] = result["returns"]
    assert returned == "ordered 2 x tea"


def test_custom_tools_under_the_typescript_sdk(server: LettaliteServer) -> None:
    lines = run_script(["node", "tools.mjs", server.url, uuid.uuid4().hex[:8]], TS_DIR)
    result = json.loads(lines[-1])
    created = result["created"]
    assert created["schema"]["parameters"]["required"] == ["text"] and created["tags"] == ["text"]
    assert result["upserted"] == {"id": created["id"], "description": "Counts."}
    assert result["updated"] == {"return_char_limit": 500}
    assert result["listed"] == [created["id"]]
    [returned] = result["returns"]
    assert returned["status"] == "success" and returned["tool_return"] == "3"
    assert result["afterDelete"] == []
