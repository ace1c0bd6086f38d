"""conversation_search: argument checks, what reaches the searcher, and the JSON it returns."""

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from lettalite.tools import HistoryHit, ToolError, format_model_time
from lettalite.tools.history import conversation_search


@dataclass
class RecordingSearch:
    """A fake HistorySearch that remembers each call and returns canned hits."""

    hits: list[HistoryHit] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(
        self,
        *,
        query: str,
        roles: list[str] | None,
        limit: int,
        start: datetime | None,
        end: datetime | None,
    ) -> list[HistoryHit]:
        self.calls.append(
            {"query": query, "roles": roles, "limit": limit, "start": start, "end": end}
        )
        return self.hits


def search(history: RecordingSearch, **arguments: Any) -> str | ToolError:
    return asyncio.run(conversation_search(history, **arguments))


def test_defaults_reach_the_searcher() -> None:
    history = RecordingSearch()
    search(history)
    assert history.calls == [{"query": "", "roles": None, "limit": 5, "start": None, "end": None}]


def test_filters_reach_the_searcher() -> None:
    history = RecordingSearch()
    search(
        history,
        query="tea",
        roles=["user", "assistant"],
        limit=20,
        start_date="2024-05-01",
        end_date="2024-05-03",
    )
    assert history.calls == [
        {
            "query": "tea",
            "roles": ["user", "assistant"],
            "limit": 20,
            "start": datetime(2024, 5, 1, tzinfo=UTC),
            "end": datetime(2024, 5, 3, 23, 59, 59, 999999, tzinfo=UTC),
        }
    ]


def test_the_same_day_as_start_and_end_covers_that_whole_day() -> None:
    history = RecordingSearch()
    assert isinstance(search(history, start_date="2024-05-01", end_date="2024-05-01"), str)
    call = history.calls[0]
    assert call["end"] - call["start"] == timedelta(days=1) - timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T14:30:00Z", datetime(2024, 5, 1, 14, 30, tzinfo=UTC)),
        ("2024-05-01T14:30:00", datetime(2024, 5, 1, 14, 30, tzinfo=UTC)),
        ("2024-05-01 16:30:00+02:00", datetime(2024, 5, 1, 14, 30, tzinfo=UTC)),
    ],
)
def test_datetimes_are_taken_exactly_and_converted_to_utc(text: str, expected: datetime) -> None:
    history = RecordingSearch()
    search(history, start_date=text, end_date=text)
    assert history.calls[0]["start"] == expected
    assert history.calls[0]["end"] == expected
    assert history.calls[0]["start"].utcoffset() == timedelta(0)


def test_empty_dates_and_roles_mean_no_filter() -> None:
    history = RecordingSearch()
    search(history, roles=[], start_date="", end_date="  ")
    assert history.calls[0]["roles"] is None
    assert history.calls[0]["start"] is None
    assert history.calls[0]["end"] is None


@pytest.mark.parametrize("argument", ["start_date", "end_date"])
def test_unparsable_date(argument: str) -> None:
    history = RecordingSearch()
    result = search(history, **{argument: "last tuesday"})
    assert result == ToolError(
        f"Invalid {argument} 'last tuesday': expected a date as YYYY-MM-DD or an ISO 8601 "
        "datetime such as 2024-05-01T14:30:00Z."
    )
    assert history.calls == []


def test_start_after_end() -> None:
    history = RecordingSearch()
    result = search(history, start_date="2024-05-02", end_date="2024-05-01")
    assert isinstance(result, ToolError)
    assert "start_date" in result.message
    assert "after end_date" in result.message
    assert history.calls == []


def test_unknown_role() -> None:
    history = RecordingSearch()
    result = search(history, roles=["user", "system"])
    assert result == ToolError(
        "Invalid roles ['system']: each role must be one of assistant, user, tool."
    )
    assert history.calls == []


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_limit_out_of_bounds(limit: int) -> None:
    history = RecordingSearch()
    result = search(history, limit=limit)
    assert result == ToolError(f"Invalid limit {limit}: it must be between 1 and 100.")
    assert history.calls == []


@pytest.mark.parametrize("limit", [1, 100])
def test_limit_bounds_are_inclusive(limit: int) -> None:
    history = RecordingSearch()
    assert isinstance(search(history, limit=limit), str)
    assert history.calls[0]["limit"] == limit


def test_no_results() -> None:
    result = search(RecordingSearch())
    assert isinstance(result, str)
    assert json.loads(result) == {"message": "No results found.", "results": []}


def test_results_are_rendered_as_indented_json() -> None:
    hits = [
        HistoryHit("user", "I love tea ☕", datetime(2024, 5, 1, 14, 30, 5, tzinfo=UTC)),
        HistoryHit("assistant", "Noted!", datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)),
    ]
    result = search(RecordingSearch(hits=hits), query="tea")
    assert isinstance(result, str)
    assert result == json.dumps(
        {
            "message": "Showing 2 results:",
            "results": [
                {
                    "timestamp": "2024-05-01 02:30:05 PM UTC+0000",
                    "role": "user",
                    "content": "I love tea ☕",
                },
                {
                    "timestamp": "2024-05-01 09:00:00 AM UTC+0000",
                    "role": "assistant",
                    "content": "Noted!",
                },
            ],
        },
        indent=2,
        ensure_ascii=False,
    )
    assert "☕" in result


def test_extra_hits_beyond_the_limit_are_dropped() -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    history = RecordingSearch(hits=[HistoryHit("user", str(n), moment) for n in range(10)])
    result = search(history, limit=3)
    assert isinstance(result, str)
    assert len(json.loads(result)["results"]) == 3


def test_format_model_time_converts_to_utc() -> None:
    oslo_summer = timezone(timedelta(hours=2))
    assert (
        format_model_time(datetime(2024, 5, 1, 16, 30, tzinfo=oslo_summer))
        == "2024-05-01 02:30:00 PM UTC+0000"
    )
    assert format_model_time(datetime(2024, 5, 1, 0, 5)) == "2024-05-01 12:05:00 AM UTC+0000"
