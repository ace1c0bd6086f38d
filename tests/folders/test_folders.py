"""Folders and their files through the official Python SDK (1.x): CRUD, uploads with every
duplicate policy, background processing to "completed" (or "error" with the reason), listing
files, passages and agents; the deprecated `/v1/sources` twins; bad input refused whole."""

import io
from datetime import UTC, datetime

import httpx
import letta_client
import pytest
from letta_client import Letta

from tests.factories import create_seed_agent, missing_id
from tests.folders.helpers import EMBEDDING, make_pdf, new_folder, upload, wait_processed


@pytest.fixture(params=[None, EMBEDDING], ids=["full-text", "embedding"])
def embedding(request: pytest.FixtureRequest) -> str | None:
    return request.param


def test_create_retrieve_update_list_delete(client: Letta, embedding: str | None) -> None:
    folder = new_folder(client, embedding, description="field notes", instructions="read me")
    assert folder.id.startswith("source-")
    assert (folder.description, folder.instructions) == ("field notes", "read me")
    assert folder.embedding_config.handle == embedding
    assert folder.embedding_config.embedding_chunk_size == 300
    assert client.folders.retrieve(folder.id) == folder

    renamed = client.folders.update(folder.id, name=f"{folder.name}-renamed", description=None)
    assert (renamed.name, renamed.description, renamed.instructions) == (
        f"{folder.name}-renamed",
        None,
        "read me",
    )
    assert [f.id for f in client.folders.list(name=renamed.name)] == [folder.id]

    assert client.folders.delete(folder.id) is None
    with pytest.raises(letta_client.NotFoundError):
        client.folders.retrieve(folder.id)
    with pytest.raises(letta_client.NotFoundError):
        client.folders.delete(folder.id)


def test_list_is_oldest_first_and_pages(client: Letta) -> None:
    marker = f"page-{datetime.now(UTC).timestamp()}"
    ids = [new_folder(client, None, name=f"{marker}-{i}").id for i in range(3)]
    listed = [f.id for f in client.folders.list(limit=1000) if f.id in ids]
    assert listed == ids
    first = client.folders.list(limit=1, after=ids[0])
    assert [f.id for f in first.items] == [ids[1]]
    newest = [f.id for f in client.folders.list(order="desc", limit=1000) if f.id in ids]
    assert newest == ids[::-1]


def test_count_by_name_and_metadata(client: Letta, http: httpx.Client) -> None:
    folder = new_folder(client, None)
    before = http.get("/v1/folders/count").json()
    new_folder(client, None)
    assert http.get("/v1/folders/count").json() == before + 1
    assert http.get(f"/v1/folders/name/{folder.name}").json() == folder.id
    assert http.get("/v1/folders/name/no-such-folder").status_code == 404
    file = upload(client, folder.id, "a.txt", b"hello there")
    stats = http.get("/v1/folders/metadata?include_detailed_per_source_metadata=true").json()
    [entry] = [s for s in stats["sources"] if s["source_id"] == folder.id]
    assert (entry["file_count"], entry["total_size"]) == (1, 11)
    assert entry["files"] == [{"file_id": file.id, "file_name": file.file_name, "file_size": 11}]


def test_a_duplicate_name_and_unknown_fields_are_refused(client: Letta) -> None:
    folder = new_folder(client, None)
    with pytest.raises(letta_client.ConflictError, match="already exists"):
        client.folders.create(name=folder.name)
    with pytest.raises(letta_client.UnprocessableEntityError):
        client.folders.create(name="extra", extra_body={"colour": "red"})
    with pytest.raises(letta_client.BadRequestError, match="not-a-model"):
        client.folders.create(name="bad-model", embedding="openai/not-a-model")
    assert client.folders.list(name="bad-model").items == []


def test_upload_processes_in_the_background(client: Letta, embedding: str | None) -> None:
    folder = new_folder(client, embedding, embedding_chunk_size=20)
    text = "\n\n".join(f"Paragraph {i}: the heron waits by the reeds at dawn." for i in range(30))
    uploaded = client.folders.files.upload(
        folder.id, file=("notes.md", io.BytesIO(text.encode()), "text/markdown")
    )
    assert uploaded.processing_status == "parsing"
    assert (uploaded.file_name, uploaded.original_file_name) == (
        f"{folder.name}/notes.md",
        "notes.md",
    )
    assert (uploaded.file_type, uploaded.file_size) == ("text/markdown", len(text))
    done = wait_processed(client, folder.id, uploaded.id)
    assert done.processing_status == "completed", done.error_message
    assert done.total_chunks is not None and done.total_chunks > 5
    assert done.chunks_embedded == (done.total_chunks if embedding else 0)
    assert done.content is None
    with_content = client.folders.files.retrieve(
        uploaded.id, folder_id=folder.id, include_content=True
    )
    assert with_content.content == text


def test_folder_passages_are_the_chunks(client: Letta, http: httpx.Client) -> None:
    folder = new_folder(client, EMBEDDING, embedding_chunk_size=10)
    file = upload(client, folder.id, "tide.txt", b"The tide turns at noon. " * 20)
    done = wait_processed(client, folder.id, file.id)
    passages = http.get(f"/v1/folders/{folder.id}/passages", params={"limit": 1000}).json()
    assert len(passages) == done.total_chunks
    assert {p["file_id"] for p in passages} == {file.id}
    assert {p["source_id"] for p in passages} == {folder.id}
    assert all("tide turns" in p["text"] for p in passages)
    assert passages[0]["embedding_config"]["handle"] == EMBEDDING


@pytest.mark.parametrize(
    ("name", "content_type", "data", "needle"),
    [
        ("page.html", "text/html", b"<html><body><h1>Otters</h1><p>They hold hands.</p>", "Otters"),
        ("data.json", "application/json", b'{"species": "otter", "count": 3}', '"otter"'),
        ("table.csv", "text/csv", b"name,age\nAda,36\n", "Ada,36"),
        ("main.py", None, b"def greet():\n    return 'hi'\n", "def greet"),
    ],
)
def test_each_type_is_read_as_text(
    client: Letta, name: str, content_type: str | None, data: bytes, needle: str
) -> None:
    folder = new_folder(client, None)
    file = upload(client, folder.id, name, data, content_type)
    done = wait_processed(client, folder.id, file.id, content=True)
    assert done.processing_status == "completed", done.error_message
    assert needle in done.content
    if name.endswith(".html"):
        assert "<h1>" not in done.content


def test_a_pdf_is_parsed_page_by_page(client: Letta) -> None:
    folder = new_folder(client, None)
    pdf = make_pdf(["The first page mentions kestrels.", "The second page mentions owls."])
    file = upload(client, folder.id, "birds.pdf", pdf, "application/pdf")
    assert file.file_type == "application/pdf"
    done = wait_processed(client, folder.id, file.id, content=True)
    assert done.processing_status == "completed", done.error_message
    assert "kestrels" in done.content and "owls" in done.content


def test_an_unreadable_file_ends_in_error_with_the_reason(client: Letta) -> None:
    folder = new_folder(client, None)
    broken = upload(client, folder.id, "broken.pdf", b"%PDF-1.4 this is no pdf", "application/pdf")
    done = wait_processed(client, folder.id, broken.id)
    assert done.processing_status == "error"
    assert "could not be parsed" in done.error_message
    latin = upload(client, folder.id, "latin.txt", "café".encode("latin-1"))
    done = wait_processed(client, folder.id, latin.id)
    assert done.processing_status == "error" and "not UTF-8" in done.error_message


def test_an_unsupported_type_is_415(client: Letta, http: httpx.Client) -> None:
    folder = new_folder(client, None)
    response = http.post(
        f"/v1/folders/{folder.id}/upload",
        files={"file": ("photo.png", b"\x89PNG\r\n", "image/png")},
    )
    assert response.status_code == 415
    assert response.json()["detail"] == (
        "Unsupported file type: image/png (filename: photo.png). Supported types: PDF, text "
        "files (.txt, .md), JSON, and code files (.py, .js, .java, etc.)."
    )
    assert client.folders.files.list(folder.id).items == []


def test_duplicate_handling(client: Letta, http: httpx.Client) -> None:
    folder = new_folder(client, None)
    first = upload(client, folder.id, "report.txt", b"version one")
    suffixed = upload(client, folder.id, "report.txt", b"version two")
    again = upload(client, folder.id, "report.txt", b"version three")
    assert suffixed.original_file_name == "report_(1).txt"
    assert again.file_name == f"{folder.name}/report_(2).txt"

    with pytest.raises(letta_client.BadRequestError) as refused:
        client.folders.files.upload(
            folder.id, file=("report.txt", b"four", "text/plain"), duplicate_handling="error"
        )
    assert refused.value.body["detail"] == (
        f"INVALID_ARGUMENT: File 'report.txt' already exists in folder '{folder.name}'"
    )

    skipped = http.post(
        f"/v1/folders/{folder.id}/upload",
        params={"duplicate_handling": "skip"},
        files={"file": ("report.txt", b"five", "text/plain")},
    )
    assert skipped.headers["X-Upload-Result"] == "skipped"
    assert skipped.json()["id"] == first.id

    replaced = client.folders.files.upload(
        folder.id, file=("report.txt", b"six", "text/plain"), duplicate_handling="replace"
    )
    assert replaced.id != first.id
    done = wait_processed(client, folder.id, replaced.id, content=True)
    assert done.content == "six"
    names = sorted(f.original_file_name for f in client.folders.files.list(folder.id))
    assert names == ["report.txt", "report_(1).txt", "report_(2).txt"]

    renamed = client.folders.files.upload(
        folder.id, file=("whatever.txt", b"seven", "text/plain"), name="chosen.md"
    )
    assert renamed.original_file_name == "chosen.md"


def test_list_retrieve_and_delete_files(client: Letta) -> None:
    folder = new_folder(client, None)
    files = [upload(client, folder.id, f"f{i}.txt", f"file {i}".encode()) for i in range(3)]
    for file in files:
        wait_processed(client, folder.id, file.id)
    listed = client.folders.files.list(folder.id)
    assert [f.id for f in listed] == [f.id for f in files[::-1]]  # newest first
    assert all(f.content is None for f in listed)
    with_content = client.folders.files.list(folder.id, include_content=True, order="asc")
    assert [f.content for f in with_content] == ["file 0", "file 1", "file 2"]

    assert client.folders.files.delete(files[1].id, folder_id=folder.id) is None
    assert [f.id for f in client.folders.files.list(folder.id, order="asc")] == [
        files[0].id,
        files[2].id,
    ]
    with pytest.raises(letta_client.NotFoundError):
        client.folders.files.retrieve(files[1].id, folder_id=folder.id)
    other = new_folder(client, None)
    with pytest.raises(letta_client.NotFoundError):
        client.folders.files.retrieve(files[0].id, folder_id=other.id)


def test_folder_agents_lists_attached_agent_ids(client: Letta) -> None:
    folder = new_folder(client, None)
    agents = [create_seed_agent(client) for _ in range(2)]
    for agent in agents:
        client.agents.folders.attach(folder.id, agent_id=agent.id)
    assert sorted(client.folders.agents.list(folder.id)) == sorted(a.id for a in agents)
    client.agents.folders.detach(folder.id, agent_id=agents[0].id)
    assert client.folders.agents.list(folder.id) == [agents[1].id]


def test_unknown_ids_are_404(client: Letta) -> None:
    unknown = missing_id("source")
    with pytest.raises(letta_client.NotFoundError):
        client.folders.files.upload(unknown, file=("a.txt", b"x", "text/plain"))
    with pytest.raises(letta_client.NotFoundError):
        client.folders.files.list(unknown)
    with pytest.raises(letta_client.NotFoundError):
        client.folders.agents.list(unknown)
    with pytest.raises(letta_client.UnprocessableEntityError):  # not a folder id at all
        client.folders.retrieve("archive-00000000-0000-4000-8000-000000000000")


def test_sources_are_the_same_folders(client: Letta, http: httpx.Client) -> None:
    folder = new_folder(client, None)
    assert http.get(f"/v1/sources/{folder.id}").json()["name"] == folder.name
    made = http.post("/v1/sources/", json={"name": f"{folder.name}-src"}).json()
    assert client.folders.retrieve(made["id"]).name == f"{folder.name}-src"
    uploaded = http.post(
        f"/v1/sources/{folder.id}/upload", files={"file": ("s.txt", b"via sources", "text/plain")}
    ).json()
    assert client.folders.files.retrieve(uploaded["id"], folder_id=folder.id).id == uploaded["id"]
    agent = create_seed_agent(client)
    http.patch(f"/v1/agents/{agent.id}/sources/attach/{folder.id}").raise_for_status()
    assert [s["id"] for s in http.get(f"/v1/agents/{agent.id}/sources").json()] == [folder.id]
