"""Archives through the official TypeScript SDK: tests/sdk/ts/archives.mjs runs every archive
operation and prints what the SDK returned; this checks it, with and without an embedding
model."""

import json

import pytest

from tests.sdk.scripts import TS_DIR, run_script
from tests.servers import LettaliteServer

EMBEDDING = "openai/text-embedding-3-small"


@pytest.mark.parametrize("embedding", [None, EMBEDDING], ids=["full-text", "embedding"])
def test_typescript_sdk_archives(server: LettaliteServer, embedding: str | None) -> None:
    assert (TS_DIR / "node_modules" / "@letta-ai").exists(), "run `make test` to npm ci the TS SDK"
    command = ["node", "archives.mjs", server.url, *([embedding] if embedding else [])]
    result = json.loads(run_script(command, TS_DIR)[-1])
    archive = result["archive"]
    assert archive["id"].startswith("archive-")
    assert (archive["name"], archive["description"]) == ("recipes", "family")
    assert (archive["embedding_config"] or {}).get("handle") == embedding
    assert result["updated"]["name"] == "family recipes"
    assert result["retrieved"] == result["updated"]
    assert result["listed"] == [archive["id"]]

    single, batch = result["single"], result["batch"]
    assert (single["archive_id"], single["tags"], single["metadata"]) == (
        archive["id"],
        ["soup"],
        {"page": 12},
    )
    assert [p["text"] for p in batch] == [
        "The apple cake bakes for forty minutes",
        "Bread dough rests overnight in the fridge",
    ]
    [hit] = result["search"]
    assert hit["passage"]["id"] == batch[0]["id"] and 0 < hit["score"] <= 1

    assert result["attached"] is None and result["detached"] is None
    assert result["agentArchives"] == [archive["id"]]
    assert [h["passage"]["id"] for h in result["byAgent"]] == [single["id"]]
    assert result["afterDetach"] == []
    assert result["deletedPassage"] is None and result["deletedArchive"] is None
    assert set(result["remaining"]) == {single["id"], batch[0]["id"]}
    assert result["retrieveAfterDelete"] == 404
