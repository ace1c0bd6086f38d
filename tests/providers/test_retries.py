"""What every provider reads from a refusal: whether to try again, and how long it asks."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from lettalite.llm.retries import retry_after_seconds, retryable_status


def test_retryable_statuses_are_timeouts_conflicts_rate_limits_and_server_errors() -> None:
    assert [
        s for s in (400, 401, 404, 408, 409, 422, 429, 500, 503, 529) if retryable_status(s)
    ] == [
        408,
        409,
        429,
        500,
        503,
        529,
    ]


def test_retry_after_in_seconds_milliseconds_or_as_a_date() -> None:
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after_seconds({"retry-after": later}) or 0) <= 30
    past = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds({"retry-after": past}) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None
