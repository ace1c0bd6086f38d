"""Archives through the official Python SDK (1.x): CRUD, passages one by one and in batch,
deleting a passage, and searching passages across archives; bad input refused whole.

Every behaviour that depends on the embedding model is checked with one (vectors ranked by
sqlite-vec / pgvector) and without (ranked full text).
"""

from datetime import UTC, datetime, timedelta

import httpx
import letta_client
import pytest
from letta_client import Letta

from tests.factories import missing_id
from tests.servers import FakeLLM

EMBEDDING = "openai/text-embedding-3-small"
FACTS = [
    "The lighthouse keeper paints the railings every spring",
    "Invoices are archived in the grey cabinet",
    "The ferry to the island leaves at seven",
]


@pytest.fixture(params=[None, EMBEDDING], ids=["full-text", "embedding"])
def embedding(request: pytest.FixtureRequest) -> str | None:
    return request.param


def new_archive(client: Letta, embedding: str | None, name: str = "facts", **extra: object):
    return client.archives.create(
        name=name, **({"embedding": embedding} if embedding else {}), **extra
    )


def test_create_retrieve_update_delete(client: Letta, embedding: str | None) -> None:
    archive = new_archive(client, embedding, name="field notes", description="from the trip")
    assert archive.id.startswith("archive-")
    assert (archive.name, archive.description) == ("field notes", "from the trip")
    assert archive.vector_db_provider == "native" and archive.metadata == {}
    if embedding:
        assert archive.embedding_config.handle == EMBEDDING
        assert archive.embedding_config.embedding_dim == 1536
    else:
        assert archive.embedding_config is None
    assert client.archives.retrieve(archive.id) == archive

    renamed = client.archives.update(archive.id, name="trip notes")
    assert (renamed.name, renamed.description) == ("trip notes", "from the trip")
    cleared = client.archives.update(archive.id, description=None)
    assert (cleared.name, cleared.description) == ("trip notes", None)
    assert cleared.updated_at >= archive.updated_at

    assert client.archives.delete(archive.id) is None
    with pytest.raises(letta_client.NotFoundError):
        client.archives.retrieve(archive.id)
    with pytest.raises(letta_client.NotFoundError):
        client.archives.delete(archive.id)


def test_a_deprecated_embedding_config_sets_the_model(client: Letta) -> None:
    archive = client.archives.create(
        name="configured",
        embedding_config={
            "embedding_model": "text-embedding-3-small",
            "embedding_endpoint_type": "openai",
            "embedding_dim": 1536,
        },
    )
    assert archive.embedding_config.handle == EMBEDDING


def test_list_filters_orders_and_pages(client: Letta) -> None:
    marker = f"list-{datetime.now(UTC).timestamp()}"
    created = [client.archives.create(name=f"{marker}-{i}") for i in range(3)]
    ids = [archive.id for archive in created]
    named = client.archives.list(name=f"{marker}-1")
    assert [a.id for a in named.items] == [ids[1]]
    listed = [a.id for a in client.archives.list(limit=1000) if a.id in ids]
    assert listed == ids[::-1]  # newest first by default
    oldest_first = [a.id for a in client.archives.list(order="asc", limit=1000) if a.id in ids]
    assert oldest_first == ids
    page = client.archives.list(order="asc", after=ids[0], limit=1)
    assert [a.id for a in page.items] == [ids[1]]  # one page, not auto-paginated
    # The SDK's auto-pagination walks every page with `after`.
    walked = [a.id for a in client.archives.list(order="asc", limit=1) if a.id in ids]
    assert walked == ids


def test_passages_one_by_one_and_in_batch(client: Letta, embedding: str | None) -> None:
    archive = new_archive(client, embedding)
    one = client.archives.passages.create(
        archive.id,
        text=FACTS[0],
        tags=["coast", "coast", "chores"],
        metadata={"source": "logbook"},
        created_at="2026-03-01T08:00:00",
    )
    assert one.id.startswith("passage-") and one.archive_id == archive.id
    assert (one.text, one.tags, one.metadata) == (
        FACTS[0],
        ["coast", "chores"],
        {"source": "logbook"},
    )
    assert one.created_at == datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert (one.embedding_config.handle if one.embedding_config else None) == embedding

    many = client.archives.passages.create_many(
        archive.id, passages=[{"text": FACTS[1], "tags": ["office"]}, {"text": FACTS[2]}]
    )
    assert [p.text for p in many] == FACTS[1:]
    assert [p.tags for p in many] == [["office"], []]
    assert {p.archive_id for p in many} == {archive.id}

    found = client.passages.search(archive_id=archive.id, query="ferry island", limit=1)
    assert [hit.passage.id for hit in found] == [many[1].id]
    assert found[0].passage.text == FACTS[2]
    assert 0 < found[0].score <= 1

    assert client.archives.passages.delete(many[0].id, archive_id=archive.id) is None
    remaining = client.passages.search(archive_id=archive.id, limit=10)
    assert {hit.passage.id for hit in remaining} == {one.id, many[1].id}
    with pytest.raises(letta_client.NotFoundError):
        client.archives.passages.delete(many[0].id, archive_id=archive.id)


def test_deleting_an_archive_deletes_its_passages(client: Letta) -> None:
    archive = new_archive(client, None)
    client.archives.passages.create(archive.id, text="a passage that goes with its archive")
    client.archives.delete(archive.id)
    hits = client.passages.search(query="passage goes with its archive", limit=100)
    assert all(hit.passage.archive_id != archive.id for hit in hits)


def test_search_filters_by_tags_and_dates(client: Letta, embedding: str | None) -> None:
    archive = new_archive(client, embedding)
    old, new = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 6, 5, tzinfo=UTC)
    for text, tags, when in [
        (FACTS[0], ["coast", "chores"], old),
        (FACTS[1], ["office"], new),
        (FACTS[2], ["coast"], new),
    ]:
        client.archives.passages.create(
            archive.id, text=text, tags=tags, created_at=when.isoformat()
        )

    def texts(**filters: object) -> set[str]:
        return {h.passage.text for h in client.passages.search(archive_id=archive.id, **filters)}

    assert texts(tags=["coast"]) == {FACTS[0], FACTS[2]}
    assert texts(tags=["coast", "chores"], tag_match_mode="all") == {FACTS[0]}
    assert texts(query="the ferry to the island", tags=["coast"], limit=1) == {FACTS[2]}
    # Without a query: the newest passages in the window.
    assert texts(start_date=new - timedelta(days=1)) == {FACTS[1], FACTS[2]}
    assert texts(end_date=old + timedelta(days=1)) == {FACTS[0]}


def test_search_across_every_archive(client: Letta) -> None:
    marker = f"zq{int(datetime.now(UTC).timestamp() * 1000)}"
    first, second = new_archive(client, None, "first"), new_archive(client, EMBEDDING, "second")
    a = client.archives.passages.create(first.id, text=f"{marker} heron on the pier")
    b = client.archives.passages.create(second.id, text=f"{marker} heron in the reeds")
    hits = client.passages.search(query=f"{marker} heron", limit=100)
    assert {a.id, b.id} <= {hit.passage.id for hit in hits}
    scores = [hit.score for hit in hits]
    assert all(isinstance(score, float) for score in scores)


def test_bad_archives_are_refused_and_nothing_is_written(client: Letta, http: httpx.Client) -> None:
    before = len(client.archives.list(limit=1000).items)
    with pytest.raises(letta_client.BadRequestError) as refused:
        client.archives.create(name="bad model", embedding="openai/no-such-embedding")
    assert "Embedding model openai/no-such-embedding not found" in str(refused.value)
    for body in ({}, {"name": ""}, {"name": "x" * 256}, {"name": "ok", "description": 5}):
        response = http.post("/v1/archives/", json=body)
        assert response.status_code == 422 and response.json()["detail"]
    assert len(client.archives.list(limit=1000).items) == before
    assert http.get("/v1/archives/not-an-archive").status_code == 422
    response = http.get(f"/v1/archives/{missing_id('archive')}")
    assert response.status_code == 404 and "not found" in response.json()["detail"]
    assert (
        http.patch(f"/v1/archives/{missing_id('archive')}", json={"name": "x"}).status_code == 404
    )


def test_a_bad_batch_stores_none_of_its_passages(client: Letta, http: httpx.Client) -> None:
    archive = new_archive(client, None)
    too_long = "word " * 40_000
    response = http.post(
        f"/v1/archives/{archive.id}/passages/batch",
        json={"passages": [{"text": "fine"}, {"text": too_long}]},
    )
    assert (
        response.status_code == 400
        and "split it into several passages" in response.json()["detail"]
    )
    for body in ({"passages": []}, {"passages": [{"text": ""}]}, {"passages": [{"tags": ["x"]}]}):
        response = http.post(f"/v1/archives/{archive.id}/passages/batch", json=body)
        assert response.status_code == 422 and response.json()["detail"]
    assert client.passages.search(archive_id=archive.id) == []
    response = http.post(f"/v1/archives/{missing_id('archive')}/passages", json={"text": "orphan"})
    assert response.status_code == 404


def test_a_failing_embedding_model_stores_nothing(client: Letta, fake_llm: FakeLLM) -> None:
    archive = new_archive(client, EMBEDDING)
    with pytest.raises(letta_client.APIStatusError) as failed:
        client.archives.passages.create_many(
            archive.id, passages=[{"text": "fine"}, {"text": "secret [[error 401]]"}]
        )
    assert failed.value.status_code == 502
    assert client.passages.search(archive_id=archive.id) == []


def test_bad_searches_are_refused(client: Letta, http: httpx.Client) -> None:
    for body, status in [
        ({"limit": 0}, 422),
        ({"limit": 101}, 422),
        ({"tag_match_mode": "most"}, 422),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, 400),
        ({"archive_id": missing_id("archive")}, 404),
        ({"agent_id": missing_id("agent")}, 404),
    ]:
        response = http.post("/v1/passages/search", json=body)
        assert response.status_code == status, body
        assert response.json()["detail"]
