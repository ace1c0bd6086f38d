"""Folders and files through the official TypeScript SDK: tests/sdk/ts/folders.mjs runs the
folder and file operations and prints what the SDK returned; this checks it."""

import json

import pytest

from tests.folders.helpers import EMBEDDING
from tests.sdk.scripts import TS_DIR, run_script
from tests.servers import LettaliteServer


@pytest.mark.parametrize("embedding", [None, EMBEDDING], ids=["full-text", "embedding"])
def test_typescript_sdk_folders(server: LettaliteServer, embedding: str | None) -> None:
    assert (TS_DIR / "node_modules" / "@letta-ai").exists(), "run `make test` to npm ci the TS SDK"
    command = ["node", "folders.mjs", server.url, *([embedding] if embedding else [])]
    result = json.loads(run_script(command, TS_DIR)[-1])
    folder = result["folder"]
    assert folder["id"].startswith("source-")
    assert folder["embedding_config"]["handle"] == embedding
    assert result["uploaded"]["processing_status"] == "parsing"
    assert result["duplicate"]["original_file_name"] == "harbour_(1).txt"
    processed = result["processed"]
    assert processed["processing_status"] == "completed", processed["error_message"]
    assert processed["content"].startswith("The harbour master")
    assert sorted(result["files"]) == ["harbour.txt", "harbour_(1).txt"]
    assert result["agentFolders"] == [folder["id"]]
    assert len(result["folderAgents"]) == 1
    assert sorted(result["closedAll"]) == sorted(
        f"{folder['name']}/{n}" for n in ("harbour.txt", "harbour_(1).txt")
    )
    assert result["opened"] == []
    [view] = [f for f in result["agentFiles"] if f["file_id"] == result["uploaded"]["id"]]
    assert view["is_open"] and view["visible_content"].startswith("1: The harbour master")
    assert result["deleted"] is None
