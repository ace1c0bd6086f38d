"""HTTP layer of the fake Ollama: `/api/chat`, `/api/embed`, `/api/tags` around the script."""

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
from tests.fake_llm.script import Reply, reply_for, usage_for
from tests.fake_llm.server import FakeLLMState, sleep_while_connected

from .wire import chat_body, chat_response, stream_lines

EMBEDDING_DIMENSIONS = 768  # nomic-embed-text's
# What `ollama pull` would have fetched, with what `/api/show` says of each: a chat model
# without tool calls (gemma2) is one lettalite cannot serve.
MODELS: dict[str, dict[str, Any]] = {
    "llama3.2:latest": {
        "capabilities": ["completion", "tools"],
        "model_info": {"llama.context_length": 131072, "general.architecture": "llama"},
    },
    "qwen3:8b": {
        "capabilities": ["completion", "tools", "thinking"],
        "model_info": {"qwen3.context_length": 40960},
    },
    "gemma2:2b": {"capabilities": ["completion"], "model_info": {"gemma2.context_length": 8192}},
    "nomic-embed-text:latest": {
        "capabilities": ["embedding"],
        "model_info": {
            "nomic-bert.context_length": 2048,
            "nomic-bert.embedding_length": EMBEDDING_DIMENSIONS,
        },
    },
}


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def make_app() -> Starlette:
    state = FakeLLMState()

    async def chat(request: Request) -> Response:
        body = await _recorded_body(request, state)
        if isinstance(body, Response):
            return body
        try:
            reply = reply_for(chat_body(body))
        except BadRequest as exc:
            return error_response(400, str(exc))
        return await _answer(request, body, reply, state)

    async def embeddings(request: Request) -> Response:
        body = await _recorded_body(request, state)
        if isinstance(body, Response):
            return body
        try:
            status = requested_error(body)
        except BadRequest as exc:
            return error_response(400, str(exc))
        if status is not None:
            return error_response(status, f"Fake embedding error {status}")
        texts = [body["input"]] if isinstance(body["input"], str) else body["input"]
        vectors = [embed(text, EMBEDDING_DIMENSIONS) for text in texts]
        return JSONResponse({"model": body.get("model"), "embeddings": vectors})

    async def tags(request: Request) -> Response:
        state.record(request, None)
        return JSONResponse({"models": [{"name": name, "model": name} for name in MODELS]})

    async def show(request: Request) -> Response:
        body = await _recorded_body(request, state)
        if isinstance(body, Response):
            return body
        if body.get("model") not in MODELS:
            return error_response(404, f"model '{body.get('model')}' not found")
        return JSONResponse(MODELS[body["model"]])

    return Starlette(
        routes=[
            Route("/api/chat", chat, methods=["POST"]),
            Route("/api/embed", embeddings, methods=["POST"]),
            Route("/api/tags", tags, methods=["GET"]),
            Route("/api/show", show, methods=["POST"]),
            *state.log_routes(),
        ]
    )


async def _recorded_body(request: Request, state: FakeLLMState) -> dict[str, Any] | Response:
    try:
        body: Any = json.loads(await request.body())
    except ValueError:
        return error_response(400, "invalid character in request body")
    state.record(request, body)
    if not isinstance(body, dict):
        return error_response(400, "request body must be a JSON object")
    return body


async def _answer(
    request: Request, body: dict[str, Any], reply: Reply, state: FakeLLMState
) -> Response:
    if not await sleep_while_connected(request, reply.sleep_seconds):
        return Response(status_code=499)
    if reply.error is not None and state.should_fail(reply.error, reply.user_text):
        return error_response(reply.error.status, reply.error.message)
    usage = usage_for(chat_body(body), reply)
    model = str(body["model"])
    if body.get("stream", True) is not False:  # Ollama streams unless told not to
        lines = stream_lines(reply, model, usage)
        return StreamingResponse(_ndjson(lines), media_type="application/x-ndjson")
    return JSONResponse(chat_response(reply, model, usage))


async def _ndjson(lines: Iterable[dict[str, Any]]) -> AsyncIterator[str]:
    for line in lines:
        yield json.dumps(line) + "\n"
