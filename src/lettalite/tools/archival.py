"""archival_memory_insert and archival_memory_search: the agent's long-term passage store.

The store itself is the server's (an `Archive` scoped to one agent); these functions check
the model's arguments and render what the store answers.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from lettalite.tools.blocks import ToolError
from lettalite.tools.filters import parse_count, parse_time_window
from lettalite.tools.registry import archive_tool

DEFAULT_TOP_K = 5
MAX_TOP_K = 100
MAX_TAGS = 50
MAX_TAG_LENGTH = 255  # the tag column's width
# The argument each tool embeds (with an embedding model), so a step can embed them up front.
EMBEDDED_ARGUMENTS = {"archival_memory_insert": "content", "archival_memory_search": "query"}


@dataclass(frozen=True)
class ArchivalHit:
    """One stored passage; `timestamp` is already rendered in the agent's timezone."""

    id: str
    content: str
    tags: list[str]
    timestamp: str


@dataclass(frozen=True)
class ArchiveQuery:
    query: str
    tags: tuple[str, ...]
    match_all_tags: bool
    top_k: int
    start: datetime | None
    end: datetime | None


class Archive(Protocol):
    """One agent's archival memory. Failures (e.g. of the embedding model) are ToolErrors."""

    async def insert(self, content: str, tags: list[str]) -> None | ToolError: ...

    async def search(self, query: ArchiveQuery) -> list[ArchivalHit] | ToolError: ...


def _check_tags(tags: list[str]) -> ToolError | None:
    if len(tags) > MAX_TAGS:
        return ToolError(f"Too many tags ({len(tags)}): use at most {MAX_TAGS}.")
    if any(not tag.strip() for tag in tags):
        return ToolError("Tags must not be empty strings.")
    if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        return ToolError(f"Tags must be at most {MAX_TAG_LENGTH} characters long.")
    return None


@archive_tool(tool_type="letta_core")
async def archival_memory_insert(
    archive: Archive, *, content: str, tags: list[str] | None = None
) -> str | ToolError:
    """Store a passage in your archival memory, a long-term store outside your context.

    Use it for facts, documents and details worth keeping that do not belong in your core
    memory blocks. Each passage should stand on its own, so that it makes sense when found
    later by archival_memory_search.

    Args:
        content: The text to store. Write it so it is understandable without this conversation.
        tags: Optional labels for the passage, for example ["project-x", "preference"], so a
            later search can be limited to them.

    Returns:
        A confirmation, or why the passage could not be stored.
    """
    if not content.strip():
        return ToolError("content is empty: there is nothing to store.")
    tag_problem = _check_tags(tags or [])
    if tag_problem is not None:
        return tag_problem
    stored = await archive.insert(content, list(dict.fromkeys(tags or [])))
    if isinstance(stored, ToolError):
        return stored
    return "Stored the passage in archival memory."


@archive_tool(tool_type="letta_core")
async def archival_memory_search(
    archive: Archive,
    *,
    query: str,
    tags: list[str] | None = None,
    tag_match_mode: Literal["any", "all"] = "any",
    top_k: int | None = None,
    start_datetime: str | None = None,
    end_datetime: str | None = None,
) -> str | ToolError:
    """Search your archival memory for passages related to a query, most relevant first.

    Matching is by meaning when an embedding model is configured, otherwise by words.

    Args:
        query: What to look for, in natural language. Leave empty to get the newest passages
            that pass the other filters.
        tags: Only passages with these tags.
        tag_match_mode: "any" (the default) for passages with at least one of the tags, "all"
            for passages with every tag.
        top_k: How many passages to return, from 1 to 100. Defaults to 5.
        start_datetime: Only passages stored at or after this time: a date (YYYY-MM-DD) or an
            ISO 8601 datetime such as 2024-05-01T14:30:00Z (UTC when no offset is given).
        end_datetime: Only passages stored at or before this time: a date (YYYY-MM-DD, the
            whole day) or an ISO 8601 datetime.

    Returns:
        A JSON list of passages with their id, timestamp, content and tags.
    """
    count = parse_count("top_k", top_k, default=DEFAULT_TOP_K, maximum=MAX_TOP_K)
    if isinstance(count, ToolError):
        return count
    tag_problem = _check_tags(tags or [])
    if tag_problem is not None:
        return tag_problem
    window = parse_time_window("start_datetime", start_datetime, "end_datetime", end_datetime)
    if isinstance(window, ToolError):
        return window
    hits = await archive.search(
        ArchiveQuery(
            query=query,
            tags=tuple(tags or ()),
            match_all_tags=tag_match_mode == "all",
            top_k=count,
            start=window[0],
            end=window[1],
        )
    )
    if isinstance(hits, ToolError):
        return hits
    results = [
        {"id": hit.id, "timestamp": hit.timestamp, "content": hit.content, "tags": hit.tags}
        for hit in hits[:count]
    ]
    return json.dumps(results, indent=2, ensure_ascii=False)
