"""Parsing of the `[[name ...]]` directives that tests embed in the last user message."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

OPEN = "[["
CLOSE = "]]"

_NAME_RE = re.compile(r"\[\[([a-z_]+)(?=\s|\]\])")
_TOOL_NAME_RE = re.compile(r"\s*([A-Za-z0-9_.\-]+)")
_JSON = json.JSONDecoder()


Handler = Callable[["Directives", str, int], int]


class BadRequest(ValueError):
    """The request cannot be answered; the server replies 400 with this message."""


class DirectiveError(BadRequest):
    """A known directive was written with bad arguments."""


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    message: str
    # How many requests (with the same user text) fail before it answers; None: every one.
    times: int | None
    # Sent as the error's Retry-After header, in seconds ([[retry_after SECONDS]]).
    retry_after: float | None = None


@dataclass
class Directives:
    calls: list[ToolCall] = field(default_factory=list)
    loop: bool = False
    parallel: bool = False
    empty: bool = False
    length: bool = False
    reasoning: str | None = None
    say: str | None = None
    sleep_seconds: float = 0.0
    # Sleep only from this tool round on ([[sleep SECONDS ROUND]]), e.g. to hang mid-turn.
    sleep_from_round: int = 0
    error: ErrorSpec | None = None
    retry_after: float | None = None
    # Report this many prompt tokens in the usage instead of the character-based count.
    prompt_tokens: int | None = None
    plain_text: str = ""


def parse_directives(text: str) -> Directives:
    """Extract every known directive from `text`; unknown `[[...]]` stays plain text."""
    directives = Directives()
    plain_parts: list[str] = []
    pos = 0
    while (match := _NAME_RE.search(text, pos)) is not None:
        handler = _HANDLERS.get(match.group(1))
        if handler is None:
            plain_parts.append(text[pos : match.start() + len(OPEN)])
            pos = match.start() + len(OPEN)
            continue
        plain_parts.append(text[pos : match.start()])
        pos = handler(directives, text, match.end())
    plain_parts.append(text[pos:])
    directives.plain_text = "".join(plain_parts).strip()
    return directives


def _find_close(text: str, start: int) -> int:
    """Index of the closing `]]`; in a run like `]]]` the last two brackets close."""
    end = text.find(CLOSE, start)
    if end < 0:
        snippet = text[max(0, start - 20) : start + 20]
        raise DirectiveError(f"unterminated directive (missing ']]') near {snippet!r}")
    while text.startswith("]", end + len(CLOSE)):
        end += 1
    return end


def _argument_text(text: str, start: int) -> tuple[str, int]:
    """The raw text between the directive name and its `]]`, and the index after `]]`."""
    end = _find_close(text, start)
    return text[start:end], end + len(CLOSE)


def _flag(attribute: str) -> Handler:
    def handle(directives: Directives, text: str, start: int) -> int:
        argument, after = _argument_text(text, start)
        if argument.strip():
            raise DirectiveError(f"[[{attribute}]] takes no argument, got {argument!r}")
        setattr(directives, attribute, True)
        return after

    return handle


def _text_value(attribute: str) -> Handler:
    def handle(directives: Directives, text: str, start: int) -> int:
        argument, after = _argument_text(text, start)
        if getattr(directives, attribute) is None:
            setattr(directives, attribute, argument.strip())
        return after

    return handle


def _handle_sleep(directives: Directives, text: str, start: int) -> int:
    argument, after = _argument_text(text, start)
    seconds_text, *round_text = argument.split()
    try:
        seconds = float(seconds_text)
        from_round = int(round_text[0]) if round_text else 0
    except (ValueError, IndexError) as exc:
        raise DirectiveError(
            f"[[sleep SECONDS [ROUND]]] needs a number (and a round), got {argument!r}"
        ) from exc
    if not seconds >= 0:  # Also rejects NaN; "inf" hangs until the client gives up.
        raise DirectiveError(f"[[sleep]] needs a non-negative number, got {seconds}")
    if directives.sleep_seconds == 0.0:
        directives.sleep_seconds = seconds
        directives.sleep_from_round = from_round
    return after


def _handle_prompt_tokens(directives: Directives, text: str, start: int) -> int:
    argument, after = _argument_text(text, start)
    if not argument.strip().isdecimal():
        raise DirectiveError(f"[[prompt_tokens N]] needs a whole number, got {argument!r}")
    if directives.prompt_tokens is None:
        directives.prompt_tokens = int(argument)
    return after


def _error_handler(times: int | None, counted: bool = False) -> Handler:
    """[[error STATUS msg]], [[error_once STATUS msg]], [[error_times N STATUS msg]]."""

    def handle(directives: Directives, text: str, start: int) -> int:
        argument, after = _argument_text(text, start)
        words = argument.split(maxsplit=2 if counted else 1) or [""]
        count = times
        if counted:
            if not words[0].isdecimal():
                raise DirectiveError(f"[[error_times N STATUS]] needs a count, got {argument!r}")
            count, words = int(words[0]), words[1:] or [""]
        status_text, *message_words = words
        if not status_text.isdecimal() or not 400 <= int(status_text) <= 599:
            raise DirectiveError(f"[[error STATUS]] needs a 4xx/5xx status, got {argument!r}")
        status = int(status_text)
        if directives.error is None:
            message = "".join(message_words).strip() or f"Fake LLM error {status}"
            directives.error = ErrorSpec(status=status, message=message, times=count)
        return after

    return handle


def _handle_retry_after(directives: Directives, text: str, start: int) -> int:
    argument, after = _argument_text(text, start)
    try:
        directives.retry_after = float(argument)
    except ValueError as exc:
        raise DirectiveError(f"[[retry_after SECONDS]] needs a number, got {argument!r}") from exc
    return after


def _skip_whitespace(text: str, pos: int) -> int:
    while text[pos : pos + 1].isspace():
        pos += 1
    return pos


def _tool_name(text: str, start: int, directive: str) -> tuple[str, int]:
    match = _TOOL_NAME_RE.match(text, start)
    if match is None:
        raise DirectiveError(f"[[{directive} NAME ...]] needs a tool name")
    return match.group(1), match.end()


def _handle_call(directives: Directives, text: str, start: int) -> int:
    name, pos = _tool_name(text, start, "call")
    pos = _skip_whitespace(text, pos)
    if text.startswith(CLOSE, pos):
        directives.calls.append(ToolCall(name=name, arguments="{}"))
        return pos + len(CLOSE)
    try:
        value, pos = _JSON.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        raise DirectiveError(f"[[call {name} JSON]]: invalid JSON ({exc})") from exc
    pos = _skip_whitespace(text, pos)
    if not text.startswith(CLOSE, pos):
        raise DirectiveError(f"[[call {name} JSON]]: expected ']]' after the JSON")
    directives.calls.append(ToolCall(name=name, arguments=json.dumps(value)))
    return pos + len(CLOSE)


def _handle_raw(directives: Directives, text: str, start: int) -> int:
    name, pos = _tool_name(text, start, "raw")
    argument, after = _argument_text(text, pos)
    # Exactly one separator character is dropped so the rest stays verbatim.
    arguments = argument[1:] if argument[:1].isspace() else argument
    directives.calls.append(ToolCall(name=name, arguments=arguments))
    return after


_HANDLERS: dict[str, Handler] = {
    "error": _error_handler(times=None),
    "error_once": _error_handler(times=1),
    "error_times": _error_handler(times=None, counted=True),
    "retry_after": _handle_retry_after,
    "sleep": _handle_sleep,
    "prompt_tokens": _handle_prompt_tokens,
    "loop": _flag("loop"),
    "parallel": _flag("parallel"),
    "empty": _flag("empty"),
    "length": _flag("length"),
    "call": _handle_call,
    "raw": _handle_raw,
    "reasoning": _text_value("reasoning"),
    "say": _text_value("say"),
}
