"""Ollama `/api/chat` bodies to and from the fake LLM's chat-completions shapes (pure)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tests.fake_llm.directives import BadRequest
from tests.fake_llm.render import pieces
from tests.fake_llm.script import Reply

PIECE = 4
ROLES = ("system", "user", "assistant", "tool")


def chat_body(body: dict[str, Any]) -> dict[str, Any]:
    """The chat completions request equivalent to a (valid) `/api/chat` request."""
    messages = body.get("messages")
    if not isinstance(body.get("model"), str) or not isinstance(messages, list):
        raise BadRequest("model and messages are required")
    chat: dict[str, Any] = {"model": body["model"], "messages": []}
    call_ids: list[str] = []
    for index, message in enumerate(messages):
        chat["messages"].append(_chat_message(index, message, call_ids))
    if body.get("tools"):
        chat["tools"] = body["tools"]
    fmt = body.get("format")
    if fmt == "json":
        chat["response_format"] = {"type": "json_object"}
    elif isinstance(fmt, dict):
        chat["response_format"] = {"type": "json_schema", "json_schema": {"schema": fmt}}
    return chat


def _chat_message(index: int, message: Any, call_ids: list[str]) -> dict[str, Any]:
    """One message, checked as Ollama's Go decoder would: string content, object
    arguments, base64 images."""
    if not isinstance(message, dict) or message.get("role") not in ROLES:
        raise BadRequest(f"messages.{index}: role must be one of {ROLES}")
    content = message.get("content", "")
    if not isinstance(content, str):
        raise BadRequest(f"messages.{index}: json: cannot unmarshal content into string")
    for image in message.get("images") or ():
        try:
            base64.b64decode(image, validate=True)
        except (binascii.Error, TypeError) as exc:
            raise BadRequest(f"messages.{index}: illegal base64 data in images") from exc
    chat: dict[str, Any] = {"role": message["role"], "content": content}
    calls = []
    for call in message.get("tool_calls") or ():
        arguments = call.get("function", {}).get("arguments")
        if not isinstance(arguments, dict):
            raise BadRequest(f"messages.{index}: json: cannot unmarshal arguments into object")
        call_ids.append(f"call_{len(call_ids)}")
        function = {"name": call["function"]["name"], "arguments": json.dumps(arguments)}
        calls.append({"id": call_ids[-1], "type": "function", "function": function})
    if calls:
        chat["tool_calls"] = calls
    if message["role"] == "tool":
        chat["tool_call_id"] = call_ids[-1] if call_ids else ""
        chat["name"] = message.get("tool_name")
    return chat


def _envelope(model: str) -> dict[str, Any]:
    return {"model": model, "created_at": datetime.now(UTC).isoformat()}


def _message(reply: Reply, content: str = "", thinking: str = "", calls: bool = False) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if thinking:
        message["thinking"] = thinking
    if calls:
        message["tool_calls"] = [
            {"function": {"name": call.name, "arguments": json.loads(call.arguments or "{}")}}
            for call in reply.tool_calls
        ]
    return message


def _done(model: str, usage: dict[str, int], reply: Reply) -> dict[str, Any]:
    return {
        **_envelope(model),
        "done": True,
        "done_reason": "length" if reply.finish_reason == "length" else "stop",
        "total_duration": 1000,
        "prompt_eval_count": usage["prompt_tokens"],
        "eval_count": usage["completion_tokens"],
    }


def chat_response(reply: Reply, model: str, usage: dict[str, int]) -> dict[str, Any]:
    """The whole `/api/chat` answer (`stream: false`)."""
    message = _message(reply, reply.content or "", reply.reasoning or "", bool(reply.tool_calls))
    return {**_done(model, usage, reply), "message": message}


def stream_lines(reply: Reply, model: str, usage: dict[str, int]) -> Iterator[dict[str, Any]]:
    """NDJSON objects: thinking and content in pieces, the tool calls whole, then `done`."""
    for piece in pieces(reply.reasoning or "", PIECE):
        yield {**_envelope(model), "message": _message(reply, thinking=piece), "done": False}
    for piece in pieces(reply.content or "", PIECE):
        yield {**_envelope(model), "message": _message(reply, content=piece), "done": False}
    if reply.tool_calls:
        yield {**_envelope(model), "message": _message(reply, calls=True), "done": False}
    yield {**_done(model, usage, reply), "message": _message(reply)}
