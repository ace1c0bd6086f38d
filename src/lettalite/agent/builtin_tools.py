"""Built-in tools (memory, recall, archival, files) run against the conversation's stored state,
inside the step's transaction.

Every failure becomes a tool result with status "error" that the model reads and can act on;
nothing here raises to the caller for a bad call.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from lettalite.agent.archive import AgentArchive
from lettalite.agent.conversation import Conversation
from lettalite.agent.files import AgentFiles
from lettalite.agent.memory import block_view
from lettalite.agent.toolbox import PreparedCall, StepScope, ToolOutcome, ToolScope, failure
from lettalite.db import messages as message_queries
from lettalite.db.models import AgentBlockRow, BlockRow, MessageRow
from lettalite.ids import new_id
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
    validate_arguments,
)
from lettalite.tools.archival import EMBEDDED_ARGUMENTS
from lettalite.tools.blocks import DEFAULT_BLOCK_LIMIT

EDIT_ATTEMPTS = 5


class BuiltinTools:
    """The tools declared in `lettalite.tools`: pure functions over a context the server
    supplies (the conversation's blocks, a history searcher, the agent's archive) or none."""

    in_transaction = True

    def check(self, name: str, arguments: dict[str, Any]) -> dict[str, Any] | ToolOutcome:
        checked = validate_arguments(TOOLS[name], arguments)
        return failure(checked.message) if isinstance(checked, ToolError) else checked

    async def execute(self, call: PreparedCall, scope: ToolScope) -> ToolOutcome:
        assert isinstance(scope, StepScope), "built-in tools run inside the step's transaction"
        spec, arguments = TOOLS[call.request.name], call.arguments
        if spec.context == "blocks":
            return await _edit_memory(scope, spec.function, arguments)
        if spec.context == "none":
            result = spec.function(**arguments)
        elif spec.context == "history":
            result = await spec.function(_history_search(scope), **arguments)
        elif spec.context == "files":
            files = AgentFiles(scope.session, scope.conversation.agent, scope.embedder)
            result = await spec.function(files, **arguments)
        else:
            archive = AgentArchive(scope.session, scope.conversation.agent, scope.embedder)
            result = await spec.function(archive, **arguments)
        if isinstance(result, ToolError):
            return failure(result.message)
        return ToolOutcome(status="success", message=result)


BUILTIN_TOOLS = BuiltinTools()


def texts_to_embed(calls: Iterable[PreparedCall]) -> list[str]:
    """What the archival calls among `calls` will embed, each text once."""
    texts = []
    for call in calls:
        if call.failed is not None:
            continue
        argument = EMBEDDED_ARGUMENTS.get(call.request.name)
        text = call.arguments.get(argument) if argument else None
        if text and text.strip():
            texts.append(text)
    return list(dict.fromkeys(texts))


async def _edit_memory(scope: StepScope, function: Any, arguments: dict) -> ToolOutcome:
    # Optimistic concurrency: a pure tool can simply run again on the fresh value when
    # someone else (another conversation, an agent sharing the block, a REST PATCH) wrote it.
    for _ in range(EDIT_ATTEMPTS):
        blocks = scope.conversation.blocks()
        result = function({label: block_view(b) for label, b in blocks.items()}, **arguments)
        if isinstance(result, ToolError):
            return failure(result.message)
        if (refusal := _isolated_refusal(scope.conversation, result)) is not None:
            return failure(refusal)
        try:
            return await _apply_edit(scope, result)
        except StaleDataError:
            await _reload_blocks(scope)
    return failure("The memory block kept changing while you edited it; try again.")


def _isolated_refusal(conversation: Conversation, edit: MemoryEdit) -> str | None:
    """Why the edit cannot be made: a conversation's own copy of a block cannot be renamed or
    deleted (it stands in for the agent's block of that label)."""
    isolated = {link.label for link in conversation.isolated_links()}
    for change in edit.changes:
        if isinstance(change, RenameBlock | DetachBlock) and change.label in isolated:
            return (
                f"Block '{change.label}' belongs to this conversation only; it can be edited "
                "but not renamed or deleted."
            )
    return None


async def _apply_edit(scope: StepScope, edit: MemoryEdit) -> ToolOutcome:
    """Apply the edit's changes in a savepoint; StaleDataError if a block changed under us."""
    changed: set[str] = set()
    async with scope.session.begin_nested():
        for change in edit.changes:
            changed.add(_apply_change(scope.conversation, change))
        await scope.session.flush()
    return ToolOutcome(status="success", message=edit.message, changed_block_ids=frozenset(changed))


async def _reload_blocks(scope: StepScope) -> None:
    conversation, session = scope.conversation, scope.session
    await session.refresh(conversation.agent, ["block_links"])
    for link in [*conversation.agent.block_links, *conversation.isolated_links()]:
        await session.refresh(link.block)


def _apply_change(conversation: Conversation, change: BlockChange) -> str:
    """Apply one change to the stored blocks; returns the id of the block it touched."""
    agent = conversation.agent
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
    block = conversation.blocks()[change.label]
    if isinstance(change, SetValue):
        block.value = change.value
    elif isinstance(change, SetDescription):
        block.description = change.description
    elif isinstance(change, RenameBlock):
        link = next(link for link in agent.block_links if link.label == change.label)
        block.label = change.new_label
        link.label = change.new_label
    elif isinstance(change, DetachBlock):
        agent.block_links = [link for link in agent.block_links if link.label != change.label]
    return block.id


def _history_search(scope: StepScope) -> HistorySearch:
    async def search(
        *,
        query: str,
        roles: list[str] | None,
        limit: int,
        start: datetime | None,
        end: datetime | None,
    ) -> list[HistoryHit]:
        rows = await message_queries.search_messages(
            scope.session,
            MessageRow.agent_id == scope.conversation.agent.id,
            query=query,
            roles=roles,
            limit=limit,
            start=start,
            end=end,
        )
        return [HistoryHit(role=row.role, text=row.text, created_at=row.created_at) for row in rows]

    return search
