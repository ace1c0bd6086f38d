"""Stored messages rendered as Letta's typed wire messages (several may share a stored id)."""

import json
from collections.abc import Iterator

from lettalite.db.models import MessageRow
from lettalite.ids import part_otid
from lettalite.schemas.message import (
    AssistantMessage,
    LettaMessage,
    ReasoningMessage,
    SystemMessage,
    ToolCall,
    ToolCallMessage,
    ToolReturn,
    ToolReturnMessage,
    UserMessage,
)


def tool_return_text(envelope: str) -> str:
    """What `tool_return` shows: the envelope's message, or the raw text if it is not one."""
    try:
        parsed = json.loads(envelope)
    except ValueError:
        return envelope
    if isinstance(parsed, dict) and "message" in parsed:
        message = parsed["message"]
        return message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    return envelope


def letta_messages(message: MessageRow) -> list[LettaMessage]:
    """One stored message as Letta's typed messages (several may share the stored id)."""
    return [
        rendered.model_copy(update={"otid": message.otid or part_otid(message.id, index)})
        for index, rendered in enumerate(_render(message))
    ]


def _render(message: MessageRow) -> Iterator[LettaMessage]:
    common = {
        "id": message.id,
        "date": message.created_at,
        "run_id": message.run_id,
        "step_id": message.step_id,
        "name": message.name if message.role == "user" else None,
        "is_err": True if message.is_err else None,
    }
    if message.role == "system":
        yield SystemMessage(content=message.text, **common)
    elif message.role == "user":
        yield UserMessage(content=message.text, **common)
    elif message.role == "assistant":
        yield from _render_assistant(message, common)
    elif message.role == "tool":
        envelope = message.text
        status = message.tool_status or "success"
        call_id = message.tool_call_id or ""
        text = tool_return_text(envelope)
        yield ToolReturnMessage(
            tool_return=text,
            status=status,
            tool_call_id=call_id,
            tool_returns=[ToolReturn(tool_return=text, status=status, tool_call_id=call_id)],
            **common,
        )


def _render_assistant(message: MessageRow, common: dict) -> Iterator[LettaMessage]:
    for part in message.content:
        if part.get("type") == "reasoning":
            yield ReasoningMessage(reasoning=part["reasoning"], **common)
    text = message.text
    if text:
        yield AssistantMessage(content=text, **common)
    for call in message.tool_calls or ():
        tool_call = ToolCall(
            name=call["name"], arguments=call["arguments"], tool_call_id=call["id"]
        )
        yield ToolCallMessage(tool_call=tool_call, tool_calls=[tool_call], **common)
