"""The fake LLM's deterministic script: `reply_for(request_body) -> Reply`.

Everything here is pure: the reply depends only on the chat completions request body.
The only state (which `[[error_once]]` texts already failed) lives in the server.

Like a real model, the script obeys the request's constraints over its directives: a forced
`tool_choice` gets a tool call, a JSON `response_format` gets a JSON object; and a heartbeat
saying it must call a tool (Letta's `required_before_exit` rule) makes it call that tool.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any, Literal

from .directives import BadRequest, Directives, ErrorSpec, ToolCall, parse_directives

FinishReason = Literal["stop", "tool_calls", "length"]

SYSTEM_ROLES = ("system", "developer")
ECHO_PREFIX = "Hello! I'm your stateful assistant. You said: "
DONE_PREFIX = "Done. Last tool result: "
NO_TOOL_RESULT = "(no tool result)"
UNKNOWN_NAME = "I don't know your name yet."
MEMORY_FAILED_PREFIX = "I could not update my memory: "

_MY_NAME_IS_RE = re.compile(r"my name is (\w+)", re.IGNORECASE)
_WHAT_IS_MY_NAME_RE = re.compile(r"what is my name", re.IGNORECASE)
_FAILED_STATUS_RE = re.compile(r'"status"\s*:\s*"Failed"')
_HUMAN_BLOCK_RE = re.compile(r"<human>(.*?)</human>", re.DOTALL)
_BLOCK_VALUE_RE = re.compile(r"<value>\n?(.*?)\n?</value>", re.DOTALL)
_NAME_PREFIX = "Name:"
SUMMARY_PREFIX = "Summary: "
_DIRECTIVE_RE = re.compile(r"\[\[.*?\]\]", re.DOTALL)
_MUST_CALL_RE = re.compile(r"You must call (.+?) at least once to exit the loop")
JSON_FORMATS = ("json_object", "json_schema")


@dataclass(frozen=True)
class Reply:
    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: FinishReason = "stop"
    reasoning: str | None = None
    error: ErrorSpec | None = None
    sleep_seconds: float = 0.0
    prompt_tokens: int | None = None  # [[prompt_tokens N]]: reported instead of counted
    # The last user text; the server keys `[[error_once]]` on it.
    user_text: str = ""


@dataclass(frozen=True)
class Turn:
    """What the script needs to know about the conversation so far."""

    user_text: str
    rounds: int
    last_tool_result: str | None
    system: str | None


def reply_for(request_body: dict[str, Any]) -> Reply:
    """Decide the model's answer to one chat completions request."""
    turn = read_turn(messages_of(request_body))
    if is_summary_request(request_body, turn):
        return Reply(content=SUMMARY_PREFIX + _DIRECTIVE_RE.sub("", turn.user_text)[:200])
    directives = parse_directives(turn.user_text)
    reply = _obeying(request_body, directives, _decide(turn, directives))
    return replace(
        reply,
        reasoning=directives.reasoning,
        error=(
            replace(directives.error, retry_after=directives.retry_after)
            if directives.error is not None
            else None
        ),
        sleep_seconds=directives.sleep_seconds if turn.rounds >= directives.sleep_from_round else 0,
        prompt_tokens=directives.prompt_tokens,
        user_text=turn.user_text,
    )


def is_summary_request(request_body: dict[str, Any], turn: Turn) -> bool:
    """A request with no tools whose instructions ask for a summary (context compaction).

    Its user text is a transcript, whose old directives must not be obeyed again.
    """
    return not request_body.get("tools") and "summar" in (turn.system or "").lower()


def usage_for(request_body: dict[str, Any], reply: Reply) -> dict[str, int]:
    prompt_tokens = reply.prompt_tokens or max(1, len(json.dumps(messages_of(request_body))) // 4)
    generated = len(reply.content or "") + sum(len(call.arguments) for call in reply.tool_calls)
    completion_tokens = max(1, generated // 4)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def messages_of(request_body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = request_body.get("messages")
    if not isinstance(messages, list):
        raise BadRequest("'messages' must be a list")
    return [message for message in messages if isinstance(message, dict)]


def read_turn(messages: list[dict[str, Any]]) -> Turn:
    last_user = max(
        (index for index, message in enumerate(messages) if message.get("role") == "user"),
        default=-1,
    )
    after_user = messages[last_user + 1 :]
    tool_results = [text_of(m.get("content")) for m in after_user if m.get("role") == "tool"]
    return Turn(
        user_text=text_of(messages[last_user].get("content")) if last_user >= 0 else "",
        rounds=sum(1 for m in after_user if m.get("role") == "assistant" and m.get("tool_calls")),
        last_tool_result=tool_results[-1] if tool_results else None,
        system=_system_prompt(messages),
    )


def text_of(content: Any) -> str:
    """Message content as text: a string, or the joined texts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [part.get("text") for part in content if isinstance(part, dict)]
        return "\n".join(text for text in texts if isinstance(text, str))
    return ""


def human_block(system: str | None) -> str | None:
    """The value of the `<human>` memory block rendered in the system prompt, if any."""
    for block in _HUMAN_BLOCK_RE.finditer(system or ""):
        value = _BLOCK_VALUE_RE.search(block.group(1))
        if value is not None:
            return value.group(1)
    return None


def name_line(block: str | None) -> str | None:
    """The exact line of the human block that starts with `Name:`, if any."""
    for line in (block or "").splitlines():
        if line.lstrip().startswith(_NAME_PREFIX):
            return line
    return None


def _system_prompt(messages: list[dict[str, Any]]) -> str | None:
    if messages and messages[0].get("role") in SYSTEM_ROLES:
        return text_of(messages[0].get("content"))
    return None


def _decide(turn: Turn, directives: Directives) -> Reply:
    if directives.loop:
        query = json.dumps({"query": f"loop {turn.rounds}"})
        return _tool_reply(ToolCall(name="conversation_search", arguments=query))
    if required := tools_a_heartbeat_requires(turn.user_text):
        directives = replace(directives, calls=[ToolCall(name, "{}") for name in required])
    if directives.calls:
        return _scripted_calls(turn, directives)
    if (match := _MY_NAME_IS_RE.search(directives.plain_text)) is not None:
        return _remember_name(turn, directives, match.group(1))
    if _WHAT_IS_MY_NAME_RE.search(directives.plain_text):
        return _final_reply(directives, _recall_name(turn.system))
    return _final_reply(directives, ECHO_PREFIX + directives.plain_text)


def tools_a_heartbeat_requires(user_text: str) -> list[str]:
    """The tools a heartbeat says the model must call before it may finish, if it is one."""
    try:
        message = json.loads(user_text)
    except ValueError:
        return []
    if not isinstance(message, dict) or message.get("type") != "heartbeat":
        return []
    match = _MUST_CALL_RE.search(str(message.get("reason", "")))
    return match.group(1).split(", ") if match else []


def _obeying(request_body: dict[str, Any], directives: Directives, reply: Reply) -> Reply:
    """The reply as a model gives it under the request's `tool_choice` and `response_format`:
    a forced call is made, and a JSON format wraps a plain answer as `{"answer": text}`."""
    forced = _forced_call(request_body, directives, reply)
    if forced is not None:
        return _tool_reply(forced)
    response_format = request_body.get("response_format") or {}
    wants_json = response_format.get("type") in JSON_FORMATS
    if wants_json and not reply.tool_calls and not _is_json_object(reply.content or ""):
        return replace(reply, content=json.dumps({"answer": reply.content or ""}))
    return reply


def _forced_call(
    request_body: dict[str, Any], directives: Directives, reply: Reply
) -> ToolCall | None:
    """The call `tool_choice` forces when the script's reply does not make it: a named
    function (with the arguments a directive gave it, else none), or for "required" the first
    tool offered."""
    choice = request_body.get("tool_choice")
    if isinstance(choice, dict):
        name = str((choice.get("function") or {}).get("name"))
        if any(call.name == name for call in reply.tool_calls):
            return None
        given = [call for call in directives.calls if call.name == name]
        return given[0] if given else ToolCall(name, "{}")
    tools = request_body.get("tools") or []
    if choice == "required" and tools and not reply.tool_calls:
        return ToolCall(tools[0]["function"]["name"], "{}")
    return None


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _tool_reply(*calls: ToolCall) -> Reply:
    return Reply(content=None, tool_calls=calls, finish_reason="tool_calls")


def _final_reply(directives: Directives, default_text: str) -> Reply:
    if directives.empty:
        content = ""
    elif directives.say is not None:
        content = directives.say
    else:
        content = default_text
    return Reply(content=content, finish_reason="length" if directives.length else "stop")


def _scripted_calls(turn: Turn, directives: Directives) -> Reply:
    if directives.parallel:
        if turn.rounds == 0:
            return _tool_reply(*directives.calls)
    elif turn.rounds < len(directives.calls):
        return _tool_reply(directives.calls[turn.rounds])
    last_result = turn.last_tool_result if turn.last_tool_result is not None else NO_TOOL_RESULT
    return _final_reply(directives, DONE_PREFIX + last_result)


def _remember_name(turn: Turn, directives: Directives, name: str) -> Reply:
    if turn.rounds == 0:
        return _tool_reply(_name_update_call(turn.system, name))
    result = turn.last_tool_result or ""
    if _FAILED_STATUS_RE.search(result):
        return _final_reply(directives, MEMORY_FAILED_PREFIX + result)
    return _final_reply(directives, f"Got it! I've updated my memory with your name, {name}.")


def _name_update_call(system: str | None, name: str) -> ToolCall:
    new_line = f"{_NAME_PREFIX} {name}"
    old_line = name_line(human_block(system))
    if old_line is None:
        arguments = {"label": "human", "new_string": new_line}
        return ToolCall(name="memory_insert", arguments=json.dumps(arguments))
    arguments = {"label": "human", "old_string": old_line, "new_string": new_line}
    return ToolCall(name="memory_replace", arguments=json.dumps(arguments))


def _recall_name(system: str | None) -> str:
    line = name_line(human_block(system))
    name = line.lstrip()[len(_NAME_PREFIX) :].strip() if line is not None else ""
    return f"Your name is {name}." if name else UNKNOWN_NAME
