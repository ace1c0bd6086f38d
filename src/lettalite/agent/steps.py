"""What a step stores: the model's message, tool results, approval answers, the step's cost.

Every function here runs inside the one transaction of its step, so all of a step's rows
and memory edits land together or not at all.
"""

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.builtin_tools import texts_to_embed
from lettalite.agent.context import assistant_content, json_without_nul, without_nul
from lettalite.agent.conversation import Conversation, ConversationRef
from lettalite.agent.embedder import Embedder
from lettalite.agent.memory import refresh_prompts
from lettalite.agent.ruled_calls import REFUSED
from lettalite.agent.tool_rules import REQUIRED_BEFORE_EXIT
from lettalite.agent.toolbox import PreparedCall, ToolOutcome
from lettalite.agent.turn import StepCall, Turn
from lettalite.db import agents as agent_queries
from lettalite.db import blocks as block_queries
from lettalite.db import conversations as conversation_queries
from lettalite.db import runs as run_queries
from lettalite.db.base import EncodedJSON, utcnow
from lettalite.db.models import MessageRow, StepRow
from lettalite.db.runs import LastRun
from lettalite.ids import new_id
from lettalite.llm.types import Completion, ToolCallRequest, body_json
from lettalite.schemas.message import ApprovalItem, MessageCreate, stored_parts
from lettalite.tools import format_model_time

# The message columns without a default that a row may leave unset.
UNSET_IS_NULL = tuple(
    column.key
    for column in MessageRow.__table__.columns
    if column.nullable and column.default is None and not column.primary_key
)
# Of each side of a step's provider trace, at most this many characters of JSON are kept.
TRACE_MAX_CHARS = 200_000


def input_row(turn: Turn, message: MessageCreate) -> MessageRow:
    return MessageRow(
        id=new_id("message"),
        agent_id=turn.agent_id,
        sequence=0,
        role=message.role,
        content=stored_parts(message.content),
        name=message.name,
        otid=message.otid or new_id("message").removeprefix("message-"),
    )


def heartbeat_row(turn: Turn, missing_tools: Sequence[str]) -> MessageRow:
    """The user-role note that sends the model back to work when it answered before calling
    tools the agent's rules require: Letta's packed heartbeat, hidden from the user."""
    body = {
        "type": "heartbeat",
        "reason": REQUIRED_BEFORE_EXIT.format(names=", ".join(missing_tools)),
        "time": format_model_time(utcnow()),
    }
    text = json.dumps(body, indent=2, ensure_ascii=False)
    return MessageRow(
        id=new_id("message"),
        agent_id=turn.agent_id,
        role="user",
        content=[{"type": "text", "text": text}],
    )


def assistant_row(
    turn: Turn, call: StepCall, completion: Completion, prepared: Sequence[PreparedCall]
) -> MessageRow | None:
    """The model's message; calls that wait for the client or a human are marked, and so are
    calls to tools not offered (with why), which stay refused if the step pauses."""
    content = assistant_content(completion)
    if not content and not completion.tool_calls:
        return None
    tool_calls = [
        {
            "id": p.request.id,
            "name": without_nul(p.request.name),
            "arguments": without_nul(p.request.arguments),
            **({"requires_approval": True} if p.awaits_approval else {}),
            **({REFUSED: p.failed.message} if p.tool is None and p.failed else {}),
        }
        for p in prepared
    ]
    return MessageRow(
        id=call.message_id,
        agent_id=turn.agent_id,
        role="assistant",
        content=content,
        tool_calls=tool_calls or None,
        model=turn.model.handle,
        step_id=call.step_id,
    )


def tool_row(
    agent_id: str,
    request: ToolCallRequest,
    outcome: ToolOutcome,
    limit: int,
    step_id: str | None,
) -> MessageRow:
    return MessageRow(
        id=new_id("message"),
        agent_id=agent_id,
        role="tool",
        name=request.name,
        content=[{"type": "text", "text": outcome.envelope(utcnow(), limit)}, *outcome.images],
        tool_call_id=request.id,
        tool_status=outcome.status,
        tool_stdout=outcome.stdout,
        tool_stderr=outcome.stderr,
        step_id=step_id,
    )


def approval_row(agent_id: str, items: Sequence[ApprovalItem], otid: str | None) -> MessageRow:
    return MessageRow(
        id=new_id("message"),
        agent_id=agent_id,
        role="approval",
        content=[],
        approvals=[item.model_dump(mode="json") for item in items],
        otid=otid or new_id("message").removeprefix("message-"),
    )


def step_row(turn: Turn, call: StepCall, completion: Completion) -> StepRow:
    """The step's row, with its provider trace: the request body sent and the completion."""
    return StepRow(
        id=call.step_id,
        run_id=turn.run_id,
        agent_id=turn.agent_id,
        model=turn.model.handle,
        finish_reason=completion.finish_reason,
        prompt_tokens=completion.usage.prompt_tokens,
        completion_tokens=completion.usage.completion_tokens,
        estimated_prompt_tokens=call.estimated_tokens,
        llm_duration_ns=int(call.llm_seconds * 1e9),
        request_json=bounded(call.request_body or {}),
        response_json=bounded(asdict(completion)),
    )


def bounded(value: dict[str, Any]) -> dict[str, Any] | EncodedJSON:
    """`value` as JSON text, or when that is longer than TRACE_MAX_CHARS, its start: a trace
    is for reading what happened, and a long context must not double the database."""
    try:
        text = body_json(value)  # a request body's text is already there
    except TypeError:  # a value JSON cannot hold: stored as its text
        value = json.loads(text := json.dumps(value, ensure_ascii=False, default=str))
    if len(text) > TRACE_MAX_CHARS:
        return {"truncated": True, "chars": len(text), "text": text[:TRACE_MAX_CHARS]}
    # PostgreSQL cannot store NUL characters, which model output may hold.
    return json_without_nul(value) if "\\u0000" in text else EncodedJSON(text)


async def embed_ahead(
    embedding: str | None, embedder: Embedder, calls: Sequence[PreparedCall]
) -> None:
    """Embed what the step's archival calls will store or search (with the agent's embedding
    model), before its transaction opens: no database lock (SQLite's single writer) is held
    during the provider call."""
    if embedding is not None:
        await embedder.embed_in_advance(embedding, texts_to_embed(calls))


async def store(
    session: AsyncSession,
    where: ConversationRef,
    run_id: str | None,
    rows: Sequence[MessageRow],
    last_run: LastRun | None = None,
) -> None:
    """Append rows to the conversation, in order, as part of a run; `last_run`: the run ends
    with them. Reserving their sequence numbers locks the agent's row: in a transaction that
    has not locked it yet (a step without tool calls), this must come before any other write,
    as `load_conversation`'s lock would (see there)."""
    if not rows:
        if last_run is not None:
            await run_queries.record_last_run(
                session, where.agent_id, where.conversation_id, last_run
            )
        return
    first = await agent_queries.allocate_sequences(session, where.agent_id, len(rows), last_run)
    for offset, row in enumerate(rows):
        row.sequence = first + offset
        row.conversation_id = where.conversation_id
        row.run_id = run_id
        row.search_text = row.text if row.role != "approval" else None
        for column in UNSET_IS_NULL:  # every row with the same columns: one INSERT for all
            if column not in row.__dict__:
                setattr(row, column, None)
        session.add(row)
    from_user = rows[0].role == "user"
    if where.conversation_id is not None and (from_user or last_run is not None):
        await conversation_queries.touch(
            session,
            where.conversation_id,
            message_at=utcnow() if from_user else None,
            run_ended_at=last_run.completed_at if last_run is not None else None,
        )
    await session.flush()


async def refresh_after(
    session: AsyncSession, conversation: Conversation, outcomes: Sequence[ToolOutcome]
) -> None:
    """Show the step's memory edits in every prompt that shows the edited blocks."""
    changed = set().union(*(outcome.changed_block_ids for outcome in outcomes))
    if changed:
        sharing = await block_queries.agent_ids_of_blocks(session, changed)
        await refresh_prompts(session, sharing, changed, loaded=[conversation.agent])
