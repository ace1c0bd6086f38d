"""Stored messages to an Agent File's messages and back.

lettalite stores tool calls as `{id, name, arguments}` and one row per tool result; the file
holds OpenAI's call shape and Letta's `tool_returns`, which may answer several calls in one
message (Letta 1.x's parallel calls): such a message becomes one row per result.
"""

from typing import Any

from lettalite.agent.memory import text_content
from lettalite.agent.ruled_calls import REFUSED
from lettalite.db.base import utcnow
from lettalite.db.models import MessageRow
from lettalite.ids import new_id
from lettalite.schemas.agent_file import MessageEntry, ToolCallEntry, ToolReturnEntry
from lettalite.services.agent_files.ids import IdMap, timestamp

# Letta roles lettalite has no row of its own for: old function results are tool results;
# a summary is a user message, as lettalite's own compaction stores one.
ROLE_ALIASES = {"function": "tool", "summary": "user"}


def _call_entry(call: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": call["id"],
        "type": "function",
        "function": {"name": call["name"], "arguments": call["arguments"]},
    }
    if call.get("requires_approval"):
        entry["requires_approval"] = True
    if call.get(REFUSED):
        entry[REFUSED] = call[REFUSED]
    return entry


def _tool_returns(row: MessageRow) -> list[dict[str, Any]] | None:
    if row.role != "tool":
        return None
    return [
        {
            "tool_call_id": row.tool_call_id,
            "status": row.tool_status or "success",
            "stdout": row.tool_stdout,
            "stderr": row.tool_stderr,
            "func_response": row.text,
        }
    ]


def message_entry(row: MessageRow, ids: IdMap, summary_id: str | None) -> dict[str, Any]:
    """The message in the file; the window's summary of older messages has Letta's `summary`
    role (lettalite stores it as a user message)."""
    return {
        "id": ids("message", row.id),
        "type": "message",
        "role": "summary" if row.id == summary_id else row.role,
        "content": row.content,
        "name": row.name,
        "otid": row.otid,
        "group_id": None,
        "model": row.model,
        "agent_id": ids.get(row.agent_id),
        "tool_calls": [_call_entry(call) for call in row.tool_calls] if row.tool_calls else None,
        "tool_call_id": row.tool_call_id,
        "tool_returns": _tool_returns(row),
        "created_at": timestamp(row.created_at),
        "approve": None,
        "approval_request_id": None,
        "denial_reason": None,
        "approvals": row.approvals,
    }


def _stored_call(call: ToolCallEntry, awaits_approval: bool) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "id": call.id,
        "name": call.function.name,
        "arguments": call.function.arguments,
    }
    if call.requires_approval or awaits_approval:
        stored["requires_approval"] = True
    if call.refused:
        stored[REFUSED] = call.refused
    return stored


def _content(entry: MessageEntry) -> list[dict[str, Any]]:
    if isinstance(entry.content, str):
        return text_content(entry.content)
    return [part.model_dump(mode="json") for part in entry.content]


def _tool_rows(entry: MessageEntry, agent_id: str) -> list[MessageRow]:
    """One row per call answered. Letta 0.x writes the result as text content with the call id
    beside it; 1.x writes `tool_returns`, one per call."""
    returns = entry.tool_returns or [ToolReturnEntry(tool_call_id=entry.tool_call_id)]
    content = _content(entry)
    rows = []
    for answer in returns:
        # One result: the message's own content is its text; several: each their own.
        text = content if len(returns) == 1 and content else None
        rows.append(
            MessageRow(
                id=new_id("message"),
                agent_id=agent_id,
                role="tool",
                name=entry.name,
                content=text or text_content(answer.func_response or ""),
                tool_call_id=answer.tool_call_id or entry.tool_call_id,
                tool_status=answer.status,
                tool_stdout=answer.stdout,
                tool_stderr=answer.stderr,
                otid=entry.otid,
                model=entry.model,
                created_at=entry.created_at or utcnow(),
            )
        )
    return rows


def _approvals(entry: MessageEntry) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in entry.approvals or ()]


def message_rows(entry: MessageEntry, agent_id: str) -> list[MessageRow]:
    """The rows storing one message of the file (no sequence yet)."""
    role = ROLE_ALIASES.get(entry.role, entry.role)
    if role == "tool":
        return _tool_rows(entry, agent_id)
    # Letta stores a request for approval as an `approval` message carrying the calls.
    asks_approval = role == "approval" and bool(entry.tool_calls) and not entry.approvals
    if asks_approval:
        role = "assistant"
    calls = [_stored_call(call, asks_approval) for call in entry.tool_calls or ()]
    row = MessageRow(
        id=new_id("message"),
        agent_id=agent_id,
        role=role,
        content=_content(entry) if role != "approval" else [],
        tool_calls=calls or None,
        approvals=_approvals(entry) if role == "approval" else None,
        name=entry.name,
        otid=entry.otid,
        model=entry.model,
        created_at=entry.created_at or utcnow(),
    )
    return [row]
