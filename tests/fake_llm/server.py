"""HTTP layer of the fake LLM: an OpenAI-compatible Starlette app around `reply_for`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .directives import BadRequest, ErrorSpec
from .embeddings import embeddings_response, requested_error
from .render import DONE_EVENT, completion_body, new_envelope, sse_event, stream_chunks
from .script import reply_for, usage_for

DEFAULT_CHAT_MODEL = "gpt-4o-mini"
DISCONNECT_POLL_SECONDS = 0.05
MODEL_IDS = ("gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "text-embedding-ada-002")
# Every fake refuses a key that starts with this (401, or Google's 400), as a provider refuses
# a revoked or mistyped key.
REFUSED_KEY_PREFIX = "invalid"

# status -> (error type, error code), shaped like OpenAI's own errors.
_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "model_not_found"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


class FakeLLMState:
    """The request log, and how often each user text with a counted error failed."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.failures: dict[str, int] = {}

    def record(self, request: Request, body: Any) -> dict[str, Any]:
        entry = {"path": request.url.path, "body": body, "headers": dict(request.headers)}
        self.requests.append(entry)
        return entry

    def clear(self) -> None:
        self.requests.clear()
        self.failures.clear()

    def log_routes(self) -> list[Route]:
        """`GET /_requests` (what was received) and `DELETE /_requests` (forget it), which
        every scripted provider serves."""

        async def list_requests(request: Request) -> Response:
            return JSONResponse(self.requests)

        async def clear_requests(request: Request) -> Response:
            self.clear()
            return Response(status_code=204)

        return [
            Route("/_requests", list_requests, methods=["GET"]),
            Route("/_requests", clear_requests, methods=["DELETE"]),
        ]

    def should_fail(self, error: ErrorSpec, user_text: str) -> bool:
        if error.times is None:
            return True
        failed = self.failures.get(user_text, 0)
        if failed >= error.times:
            return False
        self.failures[user_text] = failed + 1
        return True


def make_app() -> Starlette:
    state = FakeLLMState()

    async def chat_completions(request: Request) -> Response:
        started = time.perf_counter()
        logged, body = await _recorded_body(request, state)
        if isinstance(body, Response):
            return body
        response = await _answer_chat(request, body, state)
        # The model's own time, as OpenAI reports it: what a benchmark subtracts from a
        # request's wall time to find the server's own share.
        logged["processing_ms"] = (time.perf_counter() - started) * 1000
        response.headers["openai-processing-ms"] = f"{logged['processing_ms']:.3f}"
        return response

    async def embeddings(request: Request) -> Response:
        _, body = await _recorded_body(request, state)
        if isinstance(body, Response):
            return body
        try:
            status = requested_error(body)
            if status is not None:
                return error_response(status, f"Fake embedding error {status}")
            return JSONResponse(embeddings_response(body))
        except BadRequest as exc:
            return error_response(400, str(exc))

    async def models(request: Request) -> Response:
        state.record(request, None)
        if request.headers.get("authorization", "").startswith(f"Bearer {REFUSED_KEY_PREFIX}"):
            return error_response(401, "Incorrect API key provided.")
        return JSONResponse({"object": "list", "data": [_model_entry(m) for m in MODEL_IDS]})

    routes = state.log_routes()
    # Also without the /v1 prefix, in case the server under test is given a bare base URL.
    for prefix in ("/v1", ""):
        routes += [
            Route(f"{prefix}/chat/completions", chat_completions, methods=["POST"]),
            Route(f"{prefix}/embeddings", embeddings, methods=["POST"]),
            Route(f"{prefix}/models", models, methods=["GET"]),
        ]
    app = Starlette(routes=routes)
    app.state.fake_llm = state
    return app


def error_response(status: int, message: str) -> JSONResponse:
    default_kind = ("server_error", None) if status >= 500 else ("invalid_request_error", None)
    error_type, code = _ERROR_KINDS.get(status, default_kind)
    error = {"message": message, "type": error_type, "param": None, "code": code}
    return JSONResponse({"error": error}, status_code=status)


async def _recorded_body(
    request: Request, state: FakeLLMState
) -> tuple[dict[str, Any], dict[str, Any] | Response]:
    """The request's log entry, and its JSON object or a 400 response when it is not one."""
    raw = await request.body()
    try:
        body: Any = json.loads(raw)
    except ValueError:
        logged = state.record(request, raw.decode(errors="replace"))
        return logged, error_response(400, "request body is not valid JSON")
    logged = state.record(request, body)
    if not isinstance(body, dict):
        return logged, error_response(400, "request body must be a JSON object")
    return logged, body


async def _answer_chat(request: Request, body: dict[str, Any], state: FakeLLMState) -> Response:
    try:
        reply = reply_for(body)
    except BadRequest as exc:
        return error_response(400, f"fake_llm: {exc}")
    if not await sleep_while_connected(request, reply.sleep_seconds):
        return Response(status_code=499)  # Nobody is listening any more.
    if reply.error is not None and state.should_fail(reply.error, reply.user_text):
        response = error_response(reply.error.status, reply.error.message)
        if reply.error.retry_after is not None:
            response.headers["retry-after"] = f"{reply.error.retry_after:g}"
        return response
    model = body.get("model")
    envelope = new_envelope(model if isinstance(model, str) else DEFAULT_CHAT_MODEL, reply)
    usage = usage_for(body, reply)
    if body.get("stream") is True:
        chunks = stream_chunks(reply, envelope, usage, _include_usage(body))
        return StreamingResponse(
            _sse(chunks), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
    return JSONResponse(completion_body(reply, envelope, usage))


async def sleep_while_connected(request: Request, seconds: float) -> bool:
    """Sleep, but stop early (returning False) once the client hangs up, like a real LLM."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (remaining := deadline - loop.time()) > 0:
        await asyncio.sleep(min(remaining, DISCONNECT_POLL_SECONDS))
        if await request.is_disconnected():
            return False
    return True


def _include_usage(body: dict[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


async def _sse(chunks: Iterable[dict[str, Any]]) -> AsyncIterator[str]:
    for chunk in chunks:
        yield sse_event(chunk)
    yield DONE_EVENT


def _model_entry(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": "fake"}
