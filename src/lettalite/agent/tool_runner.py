"""Runs the model's tool calls against the agent's stored state, inside the step's transaction.

Every failure becomes a tool result with status "error" that the model reads and can act on;
nothing here raises to the caller for a bad call.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from lettalite.agent.archive import AgentArchive, Embedder
from lettalite.agent.context import without_nul
from lettalite.agent.memory import block_view
from lettalite.db import messages as message_queries
from lettalite.db.models import AgentBlockRow, AgentRow, BlockRow
from lettalite.ids import new_id
from lettalite.llm.types import ToolCallRequest
from lettalite.tools import (
    TOOLS,
    BlockChange,
    CreateBlock,
    DetachBlock,
    HistoryHit,
    HistorySearch,
    MemoryEdit,
    RenameBlock,
    SetDescription,
    SetValue,
    ToolError,
    ToolSpec,
    format_model_time,
    validate_arguments,
)
from lettalite.tools.archival import EMBEDDED_ARGUMENTS
from lettalite.tools.blocks import DEFAULT_BLOCK_LIMIT

EDIT_ATTEMPTS = 5
TRUNCATION_NOTE = "... [NOTE: output truncated: it exceeded the {limit} character limit]"


@dataclass(frozen=True)
class ToolOutcome:
    status: Literal["success", "error"]
    message: str
    changed_block_ids: frozenset[str] = frozenset()

    def envelope(self, now: datetime) -> str:
        """The JSON the model reads as the tool's result."""
        body = {
            "status": "OK" if self.status == "success" else "Failed",
            "message": self.message,
            "time": format_model_time(now),
        }
        return json.dumps(body, indent=2, ensure_ascii=False)


def _failure(message: str) -> ToolOutcome:
    return ToolOutcome(status="error", message=message)


@dataclass(frozen=True)
class ResolvedCall:
    """A tool call whose tool is attached and whose arguments passed its schema."""

    spec: ToolSpec
    arguments: dict[str, Any]


def resolve_call(
    call: ToolCallRequest, attached: dict[str, ToolSpec]
) -> ResolvedCall | ToolOutcome:
    """The call ready to run, or the failure the model reads instead."""
    spec = attached.get(call.name)
    if spec is None:
        available = ", ".join(attached) or "none"
        why = "is not attached to this agent" if call.name in TOOLS else "does not exist"
        return _failure(f"Tool '{call.name}' {why}. Available tools: {available}")
    try:
        arguments = json.loads(call.arguments or "{}")
    except ValueError as error:
        return _failure(
            f"The arguments of {call.name} are not valid JSON ({error}); send a JSON object"
        )
    if not isinstance(arguments, dict):
        return _failure(f"The arguments of {call.name} must be a JSON object")
    checked = validate_arguments(spec, _without_nul(arguments))
    if isinstance(checked, ToolError):
        return _failure(checked.message)
    return ResolvedCall(spec, checked)


def _without_nul(value: Any) -> Any:
    """JSON arguments as they can be stored: a `\\u0000` escape decodes to a NUL character,
    which PostgreSQL text cannot hold."""
    if isinstance(value, str):
        return without_nul(value)
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    return value


def texts_to_embed(calls: Iterable[ResolvedCall]) -> list[str]:
    """What the archival calls among `calls` will embed, each text once."""
    texts = []
    for call in calls:
        argument = EMBEDDED_ARGUMENTS.get(call.spec.name)
        text = call.arguments.get(argument) if argument else None
        if text and text.strip():
            texts.append(text)
    return list(dict.fromkeys(texts))


async def run_tool_call(
    session: AsyncSession, agent: AgentRow, call: ResolvedCall, embedder: Embedder
) -> ToolOutcome:
    spec, arguments = call.spec, call.arguments
    if spec.context == "blocks":
        return await _edit_memory(session, agent, spec, arguments)
    if spec.context == "history":
        result = await spec.function(_history_search(session, agent), **arguments)
    else:
        result = await spec.function(AgentArchive(session, agent, embedder), **arguments)
    if isinstance(result, ToolError):
        return _failure(result.message)
    return ToolOutcome(status="success", message=result)


async def _edit_memory(
    session: AsyncSession, agent: AgentRow, spec: ToolSpec, arguments: dict
) -> ToolOutcome:
    # Optimistic concurrency: a pure tool can simply run again on the fresh value when
    # someone else (another agent sharing the block, a REST PATCH) wrote it meanwhile.
    for _ in range(EDIT_ATTEMPTS):
        blocks = {link.label: block_view(link.block) for link in agent.block_links}
        result = spec.function(blocks, **arguments)
        if isinstance(result, ToolError):
            return _failure(result.message)
        try:
            return await _apply_edit(session, agent, result)
        except StaleDataError:
            await _reload_blocks(session, agent)
    return _failure("The memory block kept changing while you edited it; try again.")


async def _apply_edit(session: AsyncSession, agent: AgentRow, edit: MemoryEdit) -> ToolOutcome:
    """Apply the edit's changes in a savepoint; StaleDataError if a block changed under us."""
    changed: set[str] = set()
    async with session.begin_nested():
        for change in edit.changes:
            changed.add(_apply_change(agent, change))
        await session.flush()
    return ToolOutcome(status="success", message=edit.message, changed_block_ids=frozenset(changed))


async def _reload_blocks(session: AsyncSession, agent: AgentRow) -> None:
    await session.refresh(agent, ["block_links"])
    for link in agent.block_links:
        await session.refresh(link.block)


def _link(agent: AgentRow, label: str) -> AgentBlockRow:
    return next(link for link in agent.block_links if link.label == label)


def _apply_change(agent: AgentRow, change: BlockChange) -> str:
    """Apply one change to the agent's rows; returns the id of the block it touched."""
    if isinstance(change, CreateBlock):
        block = BlockRow(
            id=new_id("block"),
            label=change.label,
            value=change.value,
            limit=DEFAULT_BLOCK_LIMIT,
            description=change.description,
            read_only=False,
            metadata_={},
            tags=[],
        )
        agent.block_links.append(AgentBlockRow(block_id=block.id, label=block.label, block=block))
        return block.id
    link = _link(agent, change.label)
    if isinstance(change, SetValue):
        link.block.value = change.value
    elif isinstance(change, SetDescription):
        link.block.description = change.description
    elif isinstance(change, RenameBlock):
        link.block.label = change.new_label
        link.label = change.new_label
    elif isinstance(change, DetachBlock):
        agent.block_links.remove(link)
    return link.block_id


def _history_search(session: AsyncSession, agent: AgentRow) -> HistorySearch:
    async def search(
        *,
        query: str,
        roles: list[str] | None,
        limit: int,
        start: datetime | None,
        end: datetime | None,
    ) -> list[HistoryHit]:
        rows = await message_queries.search_messages(
            session, agent.id, query=query, roles=roles, limit=limit, start=start, end=end
        )
        return [HistoryHit(role=row.role, text=row.text, created_at=row.created_at) for row in rows]

    return search


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATION_NOTE.format(limit=limit)
