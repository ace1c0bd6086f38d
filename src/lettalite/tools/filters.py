"""Search filters that models write: result counts, and times (a date or an ISO 8601
datetime, read as UTC)."""

from datetime import UTC, date, datetime, time

from lettalite.tools.blocks import ToolError


def parse_count(argument: str, value: int | None, *, default: int, maximum: int) -> int | ToolError:
    """How many results to return: `default` when not given, else 1 to `maximum`."""
    count = default if value is None else value
    if isinstance(count, bool) or not 1 <= count <= maximum:
        return ToolError(f"Invalid {argument} {count}: it must be between 1 and {maximum}.")
    return count


def _parse_time_bound(
    argument: str, text: str | None, *, end_of_day: bool
) -> datetime | ToolError | None:
    """Parse a date or datetime bound; a bare date covers its whole UTC day."""
    # Models often send "" for an optional argument they do not mean to use.
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ToolError(
            f"Invalid {argument} '{text}': expected a date as YYYY-MM-DD or an ISO 8601 "
            "datetime such as 2024-05-01T14:30:00Z."
        )
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_time_window(
    start_argument: str, start_text: str | None, end_argument: str, end_text: str | None
) -> tuple[datetime | None, datetime | None] | ToolError:
    """Both bounds of a time filter (None = open), or why they cannot be used."""
    start = _parse_time_bound(start_argument, start_text, end_of_day=False)
    if isinstance(start, ToolError):
        return start
    end = _parse_time_bound(end_argument, end_text, end_of_day=True)
    if isinstance(end, ToolError):
        return end
    if start is not None and end is not None and start > end:
        return ToolError(
            f"{start_argument} ({start.isoformat()}) is after {end_argument} "
            f"({end.isoformat()}); the search window would be empty."
        )
    return start, end
