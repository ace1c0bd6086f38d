"""Folders in Agent Files: an export holds the agent's folders, their files with text and its
file views; an import recreates them (chunked and embedded again in the background) with
the same files open."""

import json

import httpx
from letta_client import Letta

from tests.factories import create_seed_agent
from tests.folders.helpers import EMBEDDING, new_folder, upload, wait_processed


def test_export_and_import_keep_folders_files_and_open_views(
    client: Letta, http: httpx.Client
) -> None:
    agent = create_seed_agent(client)
    folder = new_folder(client, EMBEDDING, instructions="the ship's log")
    log = upload(client, folder.id, "log.txt", b"Day 1: calm seas.\nDay 2: a storm.")
    chart = upload(client, folder.id, "chart.md", b"# Chart\nReef to the north.")
    for file in (log, chart):
        wait_processed(client, folder.id, file.id)
    client.agents.folders.attach(folder.id, agent_id=agent.id)
    client.agents.files.close(chart.id, agent_id=agent.id)

    document = json.loads(client.agents.export_file(agent.id))
    [source] = document["sources"]
    assert (source["id"], source["name"], source["instructions"]) == (
        "source-0",
        folder.name,
        "the ship's log",
    )
    assert source["embedding_config"]["handle"] == EMBEDDING
    contents = {f["original_file_name"]: f["content"] for f in document["files"]}
    assert contents == {
        "log.txt": "Day 1: calm seas.\nDay 2: a storm.",
        "chart.md": "# Chart\nReef to the north.",
    }
    [entry] = document["agents"]
    assert entry["source_ids"] == ["source-0"]
    views = {v["file_name"]: v for v in entry["files_agents"]}
    assert views[f"{folder.name}/log.txt"]["is_open"] is True
    assert views[f"{folder.name}/chart.md"]["is_open"] is False

    response = http.post(
        "/v1/agents/import",
        files={"file": ("agent.af", json.dumps(document).encode(), "application/json")},
    )
    assert response.status_code == 200, response.text
    [copy_id] = response.json()["agent_ids"]
    [copied] = client.agents.folders.list(copy_id)
    assert copied.id != folder.id and copied.name.startswith(f"{folder.name}_")
    assert copied.instructions == "the ship's log"
    assert {"open_files", "grep_files"} <= {t.name for t in client.agents.retrieve(copy_id).tools}
    files = {f.original_file_name: f for f in client.folders.files.list(copied.id)}
    for file in files.values():
        done = wait_processed(client, copied.id, file.id)
        assert done.processing_status == "completed" and done.chunks_embedded == done.total_chunks
    opened = {f.file_name: f.is_open for f in client.agents.files.list(copy_id).files}
    assert opened == {f"{copied.name}/log.txt": True, f"{copied.name}/chart.md": False}
