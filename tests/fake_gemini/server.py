"""HTTP layer of the fake Gemini API: `POST /v1beta/models/{model}:{method}` around the fake
LLM's script and embeddings."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fake_llm.directives import BadRequest
from tests.fake_llm.embeddings import embed, requested_error
from tests.fake_llm.script import reply_for, usage_for
from tests.fake_llm.server import REFUSED_KEY_PREFIX, FakeLLMState, sleep_while_connected

from .wire import chat_body, response_body, stream_chunks

MAX_EMBED_BATCH = 100
# What GET /v1beta/models lists: name, input token limit, methods.
MODELS = (
    ("gemini-2.5-flash", 1_048_576, ["generateContent", "countTokens"]),
    ("gemini-2.5-pro", 1_048_576, ["generateContent", "countTokens"]),
    ("gemini-embedding-001", 2048, ["embedContent", "batchEmbedContents"]),
    ("imagen-4.0-generate-001", 480, ["predict"]),
)
# status -> Google's canonical error status.
_STATUSES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def error_response(status: int, message: str) -> JSONResponse:
    error = {"code": status, "message": message, "status": _STATUSES.get(status, "UNKNOWN")}
    return JSONResponse({"error": error}, status_code=status)


def make_app() -> Starlette:
    state = FakeLLMState()

    async def model_method(request: Request) -> Response:
        try:
            body: Any = json.loads(await request.body())
        except ValueError:
            return error_response(400, "Invalid JSON payload received.")
        state.record(request, body)
        if not (request.headers.get("x-goog-api-key") or request.query_params.get("key")):
            return error_response(
                403, "Method doesn't allow unregistered callers. Please use API Key."
            )
        model, _, method = request.path_params["target"].partition(":")
        try:
            if method == "batchEmbedContents":
                return _embeddings(body)
            if method not in ("generateContent", "streamGenerateContent"):
                return error_response(404, f"Method {method!r} not found for model {model}.")
            chat = chat_body(body)
            reply = reply_for(chat)
        except BadRequest as exc:
            return error_response(400, str(exc))
        streamed = method == "streamGenerateContent"
        if streamed and request.query_params.get("alt") != "sse":
            return error_response(400, "this fake streams only with alt=sse")
        return await _answer(request, body, chat, reply, state, streamed)

    async def models(request: Request) -> Response:
        """Two models per page, so a lister must follow `nextPageToken`."""
        state.record(request, None)
        key = request.headers.get("x-goog-api-key") or request.query_params.get("key")
        if not key:
            return error_response(403, "Method doesn't allow unregistered callers.")
        if key.startswith(REFUSED_KEY_PREFIX):
            return error_response(400, "API key not valid. Please pass a valid API key.")
        start = int(request.query_params.get("pageToken") or 0)
        page = [
            {
                "name": f"models/{name}",
                "inputTokenLimit": limit,
                "supportedGenerationMethods": methods,
            }
            for name, limit, methods in MODELS[start : start + 2]
        ]
        more = start + 2 < len(MODELS)
        return JSONResponse({"models": page, **({"nextPageToken": str(start + 2)} if more else {})})

    return Starlette(
        routes=[
            Route("/v1beta/models", models, methods=["GET"]),
            Route("/v1beta/models/{target:path}", model_method, methods=["POST"]),
            *state.log_routes(),
        ]
    )


def _embeddings(body: dict[str, Any]) -> Response:
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise BadRequest("* BatchEmbedContentsRequest.requests: requests is not specified")
    if len(requests) > MAX_EMBED_BATCH:
        raise BadRequest(
            f"* BatchEmbedContentsRequest.requests: at most {MAX_EMBED_BATCH} requests"
        )
    texts = ["\n".join(p.get("text", "") for p in r["content"]["parts"]) for r in requests]
    status = requested_error({"input": texts})
    if status is not None:
        return error_response(status, f"Fake embedding error {status}")
    return JSONResponse({"embeddings": [{"values": embed(text)} for text in texts]})


async def _answer(
    request: Request,
    body: dict[str, Any],
    chat: dict[str, Any],
    reply: Any,
    state: FakeLLMState,
    streamed: bool,
) -> Response:
    if not await sleep_while_connected(request, reply.sleep_seconds):
        return Response(status_code=499)
    if reply.error is not None and state.should_fail(reply.error, reply.user_text):
        response = error_response(reply.error.status, reply.error.message)
        if reply.error.retry_after is not None:
            response.headers["retry-after"] = f"{reply.error.retry_after:g}"
        return response
    usage = usage_for(chat, reply)
    thinking = body.get("generationConfig", {}).get("thinkingConfig", {})
    thoughts = thinking.get("includeThoughts") is True
    if streamed:
        chunks = stream_chunks(reply, usage, thoughts)
        return StreamingResponse(
            _sse(chunks), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
    return JSONResponse(response_body(reply, usage, thoughts))


async def _sse(chunks: Iterable[dict[str, Any]]) -> AsyncIterator[str]:
    for chunk in chunks:
        yield f"data: {json.dumps(chunk)}\r\n\r\n"
