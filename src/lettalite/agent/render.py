"""Stored messages rendered as Letta's typed wire messages (several may share a stored id)."""

import json
from collections.abc import Iterator

from lettalite.db.models import MessageRow
from lettalite.ids import part_otid
from lettalite.schemas.message import (
    ApprovalRequestMessage,
    ApprovalResponseMessage,
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
        yield UserMessage(content=_user_content(message), **common)
    elif message.role == "assistant":
        yield from _render_assistant(message, common)
    elif message.role == "tool":
        yield _render_tool_return(message, common)
    elif message.role == "approval":
        yield _render_approval_answer(message, common)


def _user_content(message: MessageRow) -> str | list[dict]:
    """Text as a string; with images, the parts as sent."""
    if any(part.get("type") == "image" for part in message.content):
        return message.content
    return message.text


def _render_assistant(message: MessageRow, common: dict) -> Iterator[LettaMessage]:
    for part in message.content:
        if part.get("type") == "reasoning":
            yield ReasoningMessage(
                reasoning=part["reasoning"], signature=part.get("signature"), **common
            )
    text = message.text
    if text:
        yield AssistantMessage(content=text, **common)
    waiting = []
    for call in message.tool_calls or ():
        tool_call = ToolCall(
            name=call["name"], arguments=call["arguments"], tool_call_id=call["id"]
        )
        if call.get("requires_approval"):
            waiting.append(tool_call)
        else:
            yield ToolCallMessage(tool_call=tool_call, tool_calls=[tool_call], **common)
    if waiting:
        yield ApprovalRequestMessage(tool_call=waiting[0], tool_calls=waiting, **common)


def _render_tool_return(message: MessageRow, common: dict) -> ToolReturnMessage:
    status = message.tool_status or "success"
    call_id = message.tool_call_id or ""
    text = tool_return_text(message.text)
    images = [part for part in message.content if part.get("type") == "image"]
    shown: str | list[dict] = [{"type": "text", "text": text}, *images] if images else text
    output = {"stdout": message.tool_stdout, "stderr": message.tool_stderr}
    return ToolReturnMessage(
        tool_return=text,
        status=status,
        tool_call_id=call_id,
        tool_returns=[ToolReturn(tool_return=shown, status=status, tool_call_id=call_id, **output)],
        **output,
        **common,
    )


def _render_approval_answer(message: MessageRow, common: dict) -> ApprovalResponseMessage:
    approvals = message.approvals or []
    first = next((item for item in approvals if item.get("type") == "approval"), None)
    return ApprovalResponseMessage(
        approvals=approvals,
        approve=first.get("approve") if first else None,
        approval_request_id=first.get("tool_call_id") if first else None,
        reason=first.get("reason") if first else None,
        **common,
    )
