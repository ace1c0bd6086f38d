"""Retrying a provider call within a bounded time.

A call that failed in a way that may pass (rate limit, server error, timeout, dropped
connection) is tried again after an exponential backoff with jitter, or after the provider's
own `Retry-After` when it asks for longer; never beyond `retries` more attempts, and never when
the next attempt would start after `budget_seconds` since the first: a provider asking to wait
90 s fails the turn at once instead of holding the conversation for minutes.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

T = TypeVar("T")


def retryable_status(status: int) -> bool:
    """An HTTP status that trying again may cure: a timeout, a conflict, a rate limit or a
    server error (Anthropic's 529 "overloaded" and Gemini's 503 among them)."""
    return status in (408, 409, 429) or status >= 500


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a response asks for: `Retry-After` in seconds or as an HTTP date, or
    `Retry-After-Ms` (OpenAI's); None when it asks for none or cannot be read."""
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" not in headers:
            return None
        return float(headers["retry-after"])
    except ValueError:
        pass
    try:
        asked = parsedate_to_datetime(headers["retry-after"])
    except (TypeError, ValueError):
        return None
    return max((asked - datetime.now(asked.tzinfo)).total_seconds(), 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 2
    budget_seconds: float = 20.0
    first_backoff_seconds: float = 0.5


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    transient: Callable[[BaseException], bool],
    asked_delay: Callable[[BaseException], float | None],
) -> T:
    """`call()`, retried per `policy` while it fails with a `transient` error; `asked_delay`
    reads the provider's Retry-After from an error, if it gave one."""
    backoff = wait_exponential_jitter(multiplier=policy.first_backoff_seconds)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        asked = asked_delay(error) if error is not None else None
        return max(asked or 0.0, backoff(state))

    async def attempt() -> T:  # a coroutine function: tenacity awaits only those
        return await call()

    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.retries + 1) | stop_before_delay(policy.budget_seconds),
        wait=wait,
        retry=retry_if_exception(transient),
        reraise=True,
    )
    return await retrying(attempt)
