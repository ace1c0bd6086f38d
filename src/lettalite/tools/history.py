"""conversation_search: the model looks up earlier messages via a server-supplied searcher."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, get_args

from lettalite.tools.blocks import ToolError, format_model_time
from lettalite.tools.filters import parse_count, parse_time_window
from lettalite.tools.registry import history_tool

HistoryRole = Literal["assistant", "user", "tool"]
DEFAULT_SEARCH_LIMIT = 5
MAX_SEARCH_LIMIT = 100
_ROLES: tuple[str, ...] = get_args(HistoryRole)


@dataclass(frozen=True)
class HistoryHit:
    """One message found in the history; created_at is timezone-aware UTC."""

    role: str
    text: str
    created_at: datetime


class HistorySearch(Protocol):
    """The server's search over one agent's messages, already scoped to that agent."""

    async def __call__(
        self,
        *,
        query: str,
        roles: list[str] | None,
        limit: int,
        start: datetime | None,
        end: datetime | None,
    ) -> list[HistoryHit]: ...


@dataclass(frozen=True)
class _SearchFilters:
    roles: list[str] | None
    limit: int
    start: datetime | None
    end: datetime | None


@history_tool(tool_type="letta_core", default=True)
async def conversation_search(
    history: HistorySearch,
    *,
    query: str = "",
    roles: list[HistoryRole] | None = None,
    limit: int | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
) -> str | ToolError:
    """Search earlier messages of this conversation, including ones no longer in your context.

    Returns the matching messages with their role and time. Every filter is optional and
    filters can be combined, for example to find what the user said during a given week.

    Args:
        query: Words or a phrase to look for. Leave empty to match on the other filters only.
        roles: Only return messages from these roles: assistant, user or tool.
        limit: Maximum number of messages to return, from 1 to 100. Defaults to 5.
        start_date: Only messages sent at or after this time. Either a date (YYYY-MM-DD,
            meaning the start of that day in UTC) or an ISO 8601 datetime such as
            2024-05-01T14:30:00Z (UTC is assumed when no offset is given).
        end_date: Only messages sent at or before this time. Either a date (YYYY-MM-DD,
            meaning the whole of that day in UTC) or an ISO 8601 datetime.

    Returns:
        A JSON object with a summary message and the list of matching messages.
    """
    filters = _parse_filters(roles, limit, start_date, end_date)
    if isinstance(filters, ToolError):
        return filters
    hits = await history(
        query=query,
        roles=filters.roles,
        limit=filters.limit,
        start=filters.start,
        end=filters.end,
    )
    return _render_hits(hits[: filters.limit])


def _parse_filters(
    roles: list[HistoryRole] | None,
    limit: int | None,
    start_date: str | None,
    end_date: str | None,
) -> _SearchFilters | ToolError:
    unknown_roles = [role for role in roles or [] if role not in _ROLES]
    if unknown_roles:
        return ToolError(
            f"Invalid roles {unknown_roles}: each role must be one of {', '.join(_ROLES)}."
        )
    count = parse_count("limit", limit, default=DEFAULT_SEARCH_LIMIT, maximum=MAX_SEARCH_LIMIT)
    if isinstance(count, ToolError):
        return count
    window = parse_time_window("start_date", start_date, "end_date", end_date)
    if isinstance(window, ToolError):
        return window
    start, end = window
    # An empty role list from a model means it wants no role filter, not no results.
    return _SearchFilters(roles=list(roles) if roles else None, limit=count, start=start, end=end)


def _render_hits(hits: list[HistoryHit]) -> str:
    message = f"Showing {len(hits)} results:" if hits else "No results found."
    results = [
        {"timestamp": format_model_time(hit.created_at), "role": hit.role, "content": hit.text}
        for hit in hits
    ]
    return json.dumps({"message": message, "results": results}, indent=2, ensure_ascii=False)
