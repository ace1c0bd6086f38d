"""What the providers spoken over plain httpx share: reading a refusal, and the events of a
streamed answer (Server-Sent Events, read by httpx-sse)."""

import json
from collections.abc import AsyncIterator

import httpx
from httpx_sse import EventSource

from lettalite.llm.retries import retry_after_seconds


class ProviderHTTPError(Exception):
    """A non-2xx answer, read: the provider's message and error code (OpenAI and Gemini both
    answer `{"error": {"message": ..., "code": ...}}`) and any Retry-After."""

    def __init__(
        self, status: int, message: str, retry_after: float | None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.code = code


async def raise_for_status(response: httpx.Response) -> None:
    if response.is_success:
        return
    raw = await response.aread()
    try:
        error = json.loads(raw)["error"]
        message, code = str(error["message"]), error.get("code")
    except (ValueError, KeyError, TypeError, AttributeError):
        message = raw.decode(errors="replace")[:500] or response.reason_phrase
        code = None
    retry_after = retry_after_seconds(response.headers)
    raise ProviderHTTPError(response.status_code, message, retry_after, str(code or "") or None)


async def open_stream(
    client: httpx.AsyncClient, path: str, body: bytes, params: dict[str, str] | None = None
) -> httpx.Response:
    """POST `body` (JSON) and return the streaming response once its status says it will
    stream; a refusal is read and raised as ProviderHTTPError."""
    sent = client.build_request(
        "POST", path, params=params, content=body, headers={"content-type": "application/json"}
    )
    response = await client.send(sent, stream=True)
    try:
        await raise_for_status(response)
    except ProviderHTTPError:
        await response.aclose()
        raise
    return response


async def event_data(response: httpx.Response) -> AsyncIterator[str]:
    """The data of each event of a streamed answer, until it ends; closes the response."""
    try:
        async for event in EventSource(response).aiter_sse():
            if event.data:
                yield event.data
    finally:
        await response.aclose()
