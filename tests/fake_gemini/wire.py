"""Gemini generateContent bodies to and from the fake LLM's chat-completions shapes (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tests.fake_llm.directives import BadRequest
from tests.fake_llm.render import pieces
from tests.fake_llm.script import Reply

PIECE = 4
ROLES = ("user", "model")
FINISH_REASONS = {"stop": "STOP", "tool_calls": "STOP", "length": "MAX_TOKENS"}


def chat_body(body: dict[str, Any]) -> dict[str, Any]:
    """The chat completions request equivalent to a (valid) generateContent request."""
    check_contents(body)
    chat: dict[str, Any] = {"model": "gemini", "messages": []}
    system = body.get("systemInstruction")
    if system:
        chat["messages"].append({"role": "system", "content": _text(system.get("parts", []))})
    calls: list[tuple[str, str]] = []  # (id, name) of the last model turn's calls
    for index, content in enumerate(body["contents"]):
        messages, calls = _chat_messages(index, content, calls)
        chat["messages"] += messages
    declarations = [
        d for tool in body.get("tools", []) for d in tool.get("functionDeclarations", [])
    ]
    if declarations:
        chat["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": d["name"],
                    "description": d.get("description", ""),
                    "parameters": d.get("parameters", {"type": "object", "properties": {}}),
                },
            }
            for d in declarations
        ]
        config = body.get("toolConfig", {}).get("functionCallingConfig", {})
        chat["tool_choice"] = _chat_tool_choice(config)
    generation = body.get("generationConfig", {})
    if generation.get("responseMimeType") == "application/json":
        chat["response_format"] = {"type": "json_object"}
    return chat


def check_contents(body: dict[str, Any]) -> None:
    """What the real API refuses: no contents, roles other than user and model, a function
    call turn not right after a user turn, and function responses not answering the calls."""
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise BadRequest("* GenerateContentRequest.contents: contents is not specified")
    previous_calls: list[str] = []
    for index, content in enumerate(contents):
        role = content.get("role")
        if role not in ROLES:
            raise BadRequest(f"Please use a valid role: {', '.join(ROLES)}.")
        parts = content.get("parts") or []
        if not parts:
            raise BadRequest(f"* GenerateContentRequest.contents[{index}].parts: contains no parts")
        calls = [p["functionCall"]["name"] for p in parts if "functionCall" in p]
        answers = [p["functionResponse"]["name"] for p in parts if "functionResponse" in p]
        if calls and (index == 0 or contents[index - 1].get("role") != "user"):
            raise BadRequest(
                "Please ensure that function call turn comes immediately after a user turn "
                "or after a function response turn."
            )
        expected = previous_calls if role == "user" else []
        if sorted(answers) != sorted(expected) or (previous_calls and role != "user"):
            raise BadRequest(
                "Please ensure that the number of function response parts is equal to the "
                "number of function call parts of the function call turn."
            )
        previous_calls = calls


def _text(parts: list[dict[str, Any]]) -> str:
    return "\n".join(p["text"] for p in parts if "text" in p and not p.get("thought"))


def _chat_messages(
    index: int, content: dict[str, Any], calls: list[tuple[str, str]]
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    parts = content["parts"]
    text = _text(parts)
    if content["role"] == "model":
        made = [p["functionCall"] for p in parts if "functionCall" in p]
        ids = [(f"gemini_{index}_{n}", call["name"]) for n, call in enumerate(made)]
        tool_calls = [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(call.get("args", {}))},
            }
            for (call_id, name), call in zip(ids, made, strict=True)
        ]
        message = {"role": "assistant", "content": text or None}
        return [{**message, "tool_calls": tool_calls} if tool_calls else message], ids
    unanswered = list(calls)
    chat = []
    for part in parts:
        if "functionResponse" in part:
            response = part["functionResponse"]
            call_id = next(i for i, name in unanswered if name == response["name"])
            unanswered.remove((call_id, response["name"]))
            chat.append(
                {
                    "role": "tool",
                    "tool_call_id": call_id,
                    "content": json.dumps(response["response"]),
                }
            )
    if any("text" in p or "inlineData" in p or "fileData" in p for p in parts):
        chat.append({"role": "user", "content": text})
    return chat, []


def _chat_tool_choice(config: dict[str, Any]) -> Any:
    if config.get("mode") != "ANY":
        return "auto"
    allowed = config.get("allowedFunctionNames") or []
    if len(allowed) == 1:
        return {"type": "function", "function": {"name": allowed[0]}}
    return "required"


def response_body(reply: Reply, usage: dict[str, int], thoughts: bool) -> dict[str, Any]:
    """The generateContent response for a scripted reply."""
    return _chunk(_parts(reply, thoughts), FINISH_REASONS[reply.finish_reason], usage)


def stream_chunks(reply: Reply, usage: dict[str, int], thoughts: bool) -> Iterator[dict[str, Any]]:
    """The streamed responses of a reply: text in pieces, each function call whole, and
    the finish reason and usage on the last, as the real API sends them."""
    parts: list[dict[str, Any]] = []
    for part in _parts(reply, thoughts):
        if "text" in part:
            parts += [{**part, "text": piece} for piece in pieces(part["text"], PIECE)]
        else:
            parts.append(part)
    for part in parts[:-1]:
        yield _chunk([part], None, None)
    yield _chunk(parts[-1:], FINISH_REASONS[reply.finish_reason], usage)


def _parts(reply: Reply, thoughts: bool) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if reply.reasoning and thoughts:
        parts.append({"text": reply.reasoning, "thought": True})
    if reply.content:
        parts.append({"text": reply.content})
    parts += [
        {"functionCall": {"name": call.name, "args": json.loads(call.arguments or "{}")}}
        for call in reply.tool_calls
    ]
    return parts or [{"text": ""}]


def _chunk(
    parts: list[dict[str, Any]], finish_reason: str | None, usage: dict[str, int] | None
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish_reason is not None:
        candidate["finishReason"] = finish_reason
    chunk: dict[str, Any] = {"candidates": [candidate], "modelVersion": "fake-gemini"}
    if usage is not None:
        chunk["usageMetadata"] = {
            "promptTokenCount": usage["prompt_tokens"],
            "candidatesTokenCount": usage["completion_tokens"],
            "totalTokenCount": usage["total_tokens"],
        }
    return chunk
