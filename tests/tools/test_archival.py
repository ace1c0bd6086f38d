"""archival_memory_insert / archival_memory_search: argument checks, what reaches the
archive, and what the model reads back."""

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from lettalite.tools import ArchivalHit, ArchiveQuery, ToolError
from lettalite.tools.archival import (
    MAX_TAG_LENGTH,
    MAX_TAGS,
    archival_memory_insert,
    archival_memory_search,
)


@dataclass
class RecordingArchive:
    """A fake Archive that remembers each call and answers with canned hits or an error."""

    hits: list[ArchivalHit] = field(default_factory=list)
    failure: ToolError | None = None
    inserted: list[tuple[str, list[str]]] = field(default_factory=list)
    queries: list[ArchiveQuery] = field(default_factory=list)

    async def insert(self, content: str, tags: list[str]) -> None | ToolError:
        if self.failure is None:
            self.inserted.append((content, tags))
        return self.failure

    async def search(self, query: ArchiveQuery) -> list[ArchivalHit] | ToolError:
        self.queries.append(query)
        return self.failure or self.hits


def insert(archive: RecordingArchive, **arguments: Any) -> str | ToolError:
    return asyncio.run(archival_memory_insert(archive, **arguments))


def search(archive: RecordingArchive, **arguments: Any) -> str | ToolError:
    return asyncio.run(archival_memory_search(archive, **arguments))


def hit(number: int) -> ArchivalHit:
    return ArchivalHit(
        id=f"passage-{number}",
        content=f"fact {number}",
        tags=["t"],
        timestamp="2026-01-01T00:00:00+00:00",
    )


def test_insert_stores_content_and_unique_tags() -> None:
    archive = RecordingArchive()
    assert insert(archive, content="likes tea", tags=["drinks", "prefs", "drinks"]) == (
        "Stored the passage in archival memory."
    )
    assert archive.inserted == [("likes tea", ["drinks", "prefs"])]
    insert(archive, content="no tags")
    assert archive.inserted[-1] == ("no tags", [])


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"content": ""}, "content is empty"),
        ({"content": " \n\t"}, "content is empty"),
        ({"content": "x", "tags": ["ok", " "]}, "Tags must not be empty strings."),
        ({"content": "x", "tags": ["t"] * (MAX_TAGS + 1)}, f"use at most {MAX_TAGS}"),
        (
            {"content": "x", "tags": ["t" * (MAX_TAG_LENGTH + 1)]},
            f"at most {MAX_TAG_LENGTH} characters",
        ),
    ],
)
def test_insert_refuses_bad_arguments_without_storing(arguments: dict, problem: str) -> None:
    archive = RecordingArchive()
    result = insert(archive, **arguments)
    assert isinstance(result, ToolError) and problem in result.message
    assert archive.inserted == []


def test_insert_passes_on_the_archives_failure() -> None:
    archive = RecordingArchive(failure=ToolError("The embedding model x failed: 503"))
    assert insert(archive, content="x") == ToolError("The embedding model x failed: 503")


def test_search_defaults() -> None:
    archive = RecordingArchive(hits=[hit(1)])
    result = search(archive, query="tea")
    assert archive.queries == [
        ArchiveQuery(query="tea", tags=(), match_all_tags=False, top_k=5, start=None, end=None)
    ]
    assert json.loads(result) == [
        {
            "id": "passage-1",
            "timestamp": "2026-01-01T00:00:00+00:00",
            "content": "fact 1",
            "tags": ["t"],
        }
    ]


def test_search_passes_every_filter() -> None:
    archive = RecordingArchive()
    assert (
        search(
            archive,
            query="tea",
            tags=["a", "b"],
            tag_match_mode="all",
            top_k=20,
            start_datetime="2026-01-01",
            end_datetime="2026-01-31T12:00:00+01:00",
        )
        == "[]"
    )
    [query] = archive.queries
    assert query.tags == ("a", "b") and query.match_all_tags and query.top_k == 20
    assert query.start == datetime(2026, 1, 1, tzinfo=UTC)
    assert query.end == datetime(2026, 1, 31, 11, tzinfo=UTC)


def test_search_returns_at_most_top_k() -> None:
    archive = RecordingArchive(hits=[hit(n) for n in range(10)])
    assert [entry["id"] for entry in json.loads(search(archive, query="q", top_k=3))] == [
        "passage-0",
        "passage-1",
        "passage-2",
    ]


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"top_k": 0}, "Invalid top_k 0"),
        ({"top_k": 101}, "Invalid top_k 101"),
        ({"tags": [""]}, "Tags must not be empty strings."),
        ({"start_datetime": "soon"}, "Invalid start_datetime 'soon'"),
        ({"end_datetime": "2026-13-01"}, "Invalid end_datetime '2026-13-01'"),
        (
            {"start_datetime": "2026-02-01", "end_datetime": "2026-01-01"},
            "start_datetime (2026-02-01T00:00:00+00:00) is after end_datetime",
        ),
    ],
)
def test_search_refuses_bad_arguments_before_searching(arguments: dict, problem: str) -> None:
    archive = RecordingArchive()
    result = search(archive, query="q", **arguments)
    assert isinstance(result, ToolError) and problem in result.message
    assert archive.queries == []


def test_search_passes_on_the_archives_failure() -> None:
    archive = RecordingArchive(failure=ToolError("The embedding model x failed: 401"))
    assert search(archive, query="q") == ToolError("The embedding model x failed: 401")
