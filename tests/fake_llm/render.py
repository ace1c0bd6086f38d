"""Rendering of a script `Reply` as OpenAI chat completion objects and stream chunks."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .script import Reply

CONTENT_PIECE = 4
REASONING_PIECE = 4
ARGUMENTS_PIECE = 5
DONE_EVENT = "data: [DONE]\n\n"


@dataclass(frozen=True)
class Envelope:
    """The identifiers of one completion, shared by all its stream chunks."""

    completion_id: str
    created: int
    model: str
    tool_call_ids: tuple[str, ...]


def new_envelope(model: str, reply: Reply) -> Envelope:
    return Envelope(
        completion_id=f"chatcmpl-{secrets.token_hex(12)}",
        created=int(time.time()),
        model=model,
        tool_call_ids=tuple(f"call_{secrets.token_hex(12)}" for _ in reply.tool_calls),
    )


def completion_body(reply: Reply, envelope: Envelope, usage: dict[str, int]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": None}
    if reply.reasoning is not None:
        message["reasoning_content"] = reply.reasoning
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call_id, call in zip(envelope.tool_call_ids, reply.tool_calls, strict=True)
        ]
    return {
        "id": envelope.completion_id,
        "object": "chat.completion",
        "created": envelope.created,
        "model": envelope.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": reply.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": usage,
    }


def stream_chunks(
    reply: Reply, envelope: Envelope, usage: dict[str, int], include_usage: bool
) -> Iterator[dict[str, Any]]:
    """The chunks whose concatenated deltas rebuild exactly `completion_body`'s message."""

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return _chunk(envelope, delta, finish_reason, include_usage)

    yield chunk({"role": "assistant", "content": "" if reply.content is not None else None})
    for piece in pieces(reply.reasoning or "", REASONING_PIECE):
        yield chunk({"reasoning_content": piece})
    for piece in pieces(reply.content or "", CONTENT_PIECE):
        yield chunk({"content": piece})
    calls = zip(envelope.tool_call_ids, reply.tool_calls, strict=True)
    for index, (call_id, call) in enumerate(calls):
        yield chunk({"tool_calls": [_tool_call_start(index, call_id, call.name)]})
        for piece in pieces(call.arguments, ARGUMENTS_PIECE):
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield chunk({}, reply.finish_reason)
    if include_usage:
        yield _usage_chunk(envelope, usage)


def sse_event(chunk: dict[str, Any]) -> str:
    return f"data: {json.dumps(chunk)}\n\n"


def pieces(text: str, size: int) -> list[str]:
    return [text[start : start + size] for start in range(0, len(text), size)]


def _tool_call_start(index: int, call_id: str, name: str) -> dict[str, Any]:
    return {
        "index": index,
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": ""},
    }


def _chunk_base(envelope: Envelope) -> dict[str, Any]:
    return {
        "id": envelope.completion_id,
        "object": "chat.completion.chunk",
        "created": envelope.created,
        "model": envelope.model,
    }


def _chunk(
    envelope: Envelope, delta: dict[str, Any], finish_reason: str | None, include_usage: bool
) -> dict[str, Any]:
    body = _chunk_base(envelope)
    body["choices"] = [
        {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
    ]
    if include_usage:
        # OpenAI sends an explicit null usage on every chunk but the last one.
        body["usage"] = None
    return body


def _usage_chunk(envelope: Envelope, usage: dict[str, int]) -> dict[str, Any]:
    body = _chunk_base(envelope)
    body["choices"] = []
    body["usage"] = usage
    return body
