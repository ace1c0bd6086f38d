"""Anthropic Messages bodies to and from the fake LLM's chat-completions shapes (pure)."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from typing import Any

from tests.fake_llm.directives import BadRequest
from tests.fake_llm.render import pieces
from tests.fake_llm.script import Reply

PIECE = 4
STOP_REASONS = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}
ROLES = ("user", "assistant")
# What a model thinks when thinking is on and the script gave no [[reasoning ...]].
DEFAULT_THINKING = "Let me think this through."


def signature(thinking: str) -> str:
    """The fake's signature over a thinking block: it checks what comes back against it."""
    return "sig-" + hashlib.sha256(thinking.encode()).hexdigest()[:32]


def thinking_budget(body: dict[str, Any]) -> int | None:
    thinking = body.get("thinking") or {}
    return thinking.get("budget_tokens") if thinking.get("type") == "enabled" else None


def chat_body(body: dict[str, Any]) -> dict[str, Any]:
    """The chat completions request equivalent to a (valid) Messages request."""
    check_messages(body)
    chat: dict[str, Any] = {"model": body.get("model"), "messages": []}
    system = body.get("system")
    if system:
        chat["messages"].append({"role": "system", "content": _text(system)})
    for message in body["messages"]:
        chat["messages"] += _chat_messages(message)
    if body.get("tools"):
        chat["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool["name"],
                    "description": tool.get("description", ""),
                    "parameters": tool["input_schema"],
                },
            }
            for tool in body["tools"]
        ]
        chat["tool_choice"] = _chat_tool_choice(body.get("tool_choice") or {"type": "auto"})
    return chat


def check_messages(body: dict[str, Any]) -> None:
    """What the real API refuses: no `max_tokens`, roles not alternating, and tool uses not
    answered by tool results in the very next user turn (or results answering nothing)."""
    if not isinstance(body.get("max_tokens"), int):
        raise BadRequest("max_tokens: Field required")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: at least one message is required")
    previous_uses: set[str] = set()
    for index, message in enumerate(messages):
        role = message.get("role")
        if role not in ROLES or (index > 0 and messages[index - 1].get("role") == role):
            raise BadRequest(f"messages.{index}: roles must alternate between user and assistant")
        blocks = _blocks(message)
        results = {b["tool_use_id"] for b in blocks if b.get("type") == "tool_result"}
        if role == "user" and results != previous_uses:
            raise BadRequest(
                f"messages.{index}: tool_use ids {sorted(previous_uses)} must be answered by "
                f"tool_result blocks immediately after, found {sorted(results)}"
            )
        previous_uses = {b["id"] for b in blocks if b.get("type") == "tool_use"}
        _check_signatures(index, blocks)
    if thinking_budget(body) is not None:
        _check_thinking(body)


def _check_signatures(index: int, blocks: list[dict[str, Any]]) -> None:
    for block in blocks:
        if block.get("type") == "thinking" and block.get("signature") != signature(
            block.get("thinking", "")
        ):
            raise BadRequest(f"messages.{index}.content: Invalid `signature` in `thinking` block")


def _check_thinking(body: dict[str, Any]) -> None:
    """What the real API refuses when `thinking` is enabled."""
    budget = thinking_budget(body) or 0
    if budget < 1024:
        raise BadRequest(
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
        )
    if body["max_tokens"] <= budget:
        raise BadRequest("`max_tokens` must be greater than `thinking.budget_tokens`")
    if body.get("temperature", 1) != 1:
        raise BadRequest("`temperature` may only be set to 1 when thinking is enabled")
    if (body.get("tool_choice") or {}).get("type") in ("any", "tool"):
        raise BadRequest("Thinking may not be enabled when tool_choice forces tool use.")
    assistants = [m for m in body["messages"] if m["role"] == "assistant"]
    blocks = _blocks(assistants[-1]) if assistants else []
    if any(b.get("type") == "tool_use" for b in blocks) and blocks[0].get("type") != "thinking":
        raise BadRequest(
            f"Expected `thinking` or `redacted_thinking`, but found `{blocks[0].get('type')}`. "
            "When `thinking` is enabled, a final `assistant` message must start with a "
            "thinking block"
        )


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [block for block in content or [] if isinstance(block, dict)]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(b.get("text", "") for b in content if b.get("type") == "text")


def _chat_messages(message: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = _blocks(message)
    text = "\n".join(b["text"] for b in blocks if b.get("type") == "text")
    if message["role"] == "assistant":
        calls = [
            {
                "id": b["id"],
                "type": "function",
                "function": {"name": b["name"], "arguments": json.dumps(b.get("input", {}))},
            }
            for b in blocks
            if b.get("type") == "tool_use"
        ]
        return [
            {
                "role": "assistant",
                "content": text or None,
                **({"tool_calls": calls} if calls else {}),
            }
        ]
    chat = [
        {"role": "tool", "tool_call_id": b["tool_use_id"], "content": _text(b.get("content", ""))}
        for b in blocks
        if b.get("type") == "tool_result"
    ]
    if any(b.get("type") in ("text", "image") for b in blocks):
        chat.append({"role": "user", "content": text})
    return chat


def _chat_tool_choice(choice: dict[str, Any]) -> Any:
    if choice.get("type") == "any":
        return "required"
    if choice.get("type") == "tool":
        return {"type": "function", "function": {"name": choice["name"]}}
    return "auto"


def message_body(
    reply: Reply, model: str, usage: dict[str, int], *, thinks: bool
) -> dict[str, Any]:
    """The Messages API response for a scripted reply."""
    return {
        **_envelope(model),
        "content": content_blocks(reply, thinks=thinks),
        "stop_reason": STOP_REASONS[reply.finish_reason],
        "usage": _usage(usage),
    }


def content_blocks(reply: Reply, *, thinks: bool) -> list[dict[str, Any]]:
    """The reply's blocks; a thinking block (signed) when it reasons or thinking is on."""
    blocks: list[dict[str, Any]] = []
    thinking = reply.reasoning or (DEFAULT_THINKING if thinks else None)
    if thinking:
        blocks.append({"type": "thinking", "thinking": thinking, "signature": signature(thinking)})
    if reply.content:
        blocks.append({"type": "text", "text": reply.content})
    blocks += [
        {
            "type": "tool_use",
            "id": f"toolu_{secrets.token_hex(12)}",
            "name": call.name,
            "input": json.loads(call.arguments or "{}"),
        }
        for call in reply.tool_calls
    ]
    return blocks


def stream_events(
    reply: Reply, model: str, usage: dict[str, int], *, thinks: bool
) -> Iterator[tuple[str, dict]]:
    """The SSE events (name, data) of a streamed reply, as the real API sends them."""
    start = {**_envelope(model), "content": [], "stop_reason": None}
    start["usage"] = {"input_tokens": usage["prompt_tokens"], "output_tokens": 1}
    yield "message_start", {"type": "message_start", "message": start}
    yield "ping", {"type": "ping"}
    for index, block in enumerate(content_blocks(reply, thinks=thinks)):
        yield from _block_events(index, block)
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": STOP_REASONS[reply.finish_reason], "stop_sequence": None},
            "usage": {"output_tokens": usage["completion_tokens"]},
        },
    )
    yield "message_stop", {"type": "message_stop"}


def _block_events(index: int, block: dict[str, Any]) -> Iterator[tuple[str, dict]]:
    kind = block["type"]
    if kind == "text":
        empty, deltas = (
            {"type": "text", "text": ""},
            [{"type": "text_delta", "text": piece} for piece in pieces(block["text"], PIECE)],
        )
    elif kind == "thinking":
        empty = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [
            {"type": "thinking_delta", "thinking": p} for p in pieces(block["thinking"], PIECE)
        ]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
    else:
        empty = {**block, "input": {}}
        arguments = json.dumps(block["input"])
        deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces(arguments, PIECE)]
    yield (
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": empty},
    )
    for delta in deltas:
        yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
    yield "content_block_stop", {"type": "content_block_stop", "index": index}


def _envelope(model: str) -> dict[str, Any]:
    return {
        "id": f"msg_{secrets.token_hex(12)}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "stop_sequence": None,
    }


def _usage(usage: dict[str, int]) -> dict[str, int]:
    return {"input_tokens": usage["prompt_tokens"], "output_tokens": usage["completion_tokens"]}
