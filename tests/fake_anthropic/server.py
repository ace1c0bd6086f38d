"""HTTP layer of the fake Anthropic API: `POST /v1/messages` around the fake LLM's script."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fake_llm.directives import BadRequest
from tests.fake_llm.script import reply_for, usage_for
from tests.fake_llm.server import REFUSED_KEY_PREFIX, FakeLLMState, sleep_while_connected

from .wire import chat_body, message_body, stream_events, thinking_budget

# status -> Anthropic's error type.
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


# What GET /v1/models lists: Anthropic's dated snapshots.
MODEL_IDS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805")


def error_response(status: int, message: str) -> JSONResponse:
    error_type = _ERROR_TYPES.get(status, "api_error")
    body = {"type": "error", "error": {"type": error_type, "message": message}}
    return JSONResponse(body, status_code=status)


def api_key(request: Request) -> str | None:
    """The caller's key: the API takes `x-api-key`, and `Authorization: Bearer`, which the
    SDK (2.x) sends for an `api_key`."""
    bearer = request.headers.get("authorization", "")
    if bearer.startswith("Bearer "):
        return bearer.removeprefix("Bearer ")
    return request.headers.get("x-api-key") or None


def make_app() -> Starlette:
    state = FakeLLMState()

    async def messages(request: Request) -> Response:
        try:
            body: Any = json.loads(await request.body())
        except ValueError:
            return error_response(400, "request body is not valid JSON")
        state.record(request, body)
        if api_key(request) is None:
            return error_response(401, "x-api-key header is required")
        if not request.headers.get("anthropic-version"):
            return error_response(400, "anthropic-version header is required")
        try:
            chat = chat_body(body)
            reply = reply_for(chat)
        except BadRequest as exc:
            return error_response(400, str(exc))
        return await _answer(request, body, chat, reply, state)

    async def models(request: Request) -> Response:
        """One model per page, so a lister must follow `after_id`."""
        state.record(request, None)
        key = api_key(request)
        if key is None or key.startswith(REFUSED_KEY_PREFIX):
            return error_response(401, "invalid x-api-key")
        after = request.query_params.get("after_id")
        start = MODEL_IDS.index(after) + 1 if after in MODEL_IDS else 0
        page = list(MODEL_IDS[start : start + 1])
        entries = [
            {"type": "model", "id": m, "display_name": m, "created_at": "2025-09-29T00:00:00Z"}
            for m in page
        ]
        return JSONResponse(
            {
                "data": entries,
                "has_more": start + 1 < len(MODEL_IDS),
                "first_id": page[0] if page else None,
                "last_id": page[-1] if page else None,
            }
        )

    return Starlette(
        routes=[
            Route("/v1/messages", messages, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            *state.log_routes(),
        ]
    )


async def _answer(
    request: Request, body: dict[str, Any], chat: dict[str, Any], reply: Any, state: FakeLLMState
) -> Response:
    if not await sleep_while_connected(request, reply.sleep_seconds):
        return Response(status_code=499)
    if reply.error is not None and state.should_fail(reply.error, reply.user_text):
        response = error_response(reply.error.status, reply.error.message)
        if reply.error.retry_after is not None:
            response.headers["retry-after"] = f"{reply.error.retry_after:g}"
        return response
    usage = usage_for(chat, reply)
    thinks = thinking_budget(body) is not None
    if body.get("stream") is True:
        events = stream_events(reply, str(body["model"]), usage, thinks=thinks)
        return StreamingResponse(
            _sse(events), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
    return JSONResponse(message_body(reply, str(body["model"]), usage, thinks=thinks))


async def _sse(events: Iterable[tuple[str, dict[str, Any]]]) -> AsyncIterator[str]:
    for name, data in events:
        yield f"event: {name}\ndata: {json.dumps(data)}\n\n"
