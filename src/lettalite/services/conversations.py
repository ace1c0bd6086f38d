"""Conversation operations: create, read, list, update, delete, fork, and the reads and
controls of one conversation (its messages, recompile, cancel, resuming its stream)."""

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.conversation import Conversation, ConversationRef, load_conversation
from lettalite.agent.memory import compiled_system_prompt, recompile_system_prompt, text_content
from lettalite.agent.run_handle import RunHandle
from lettalite.agent.runs import RunManager
from lettalite.db import agents as agent_queries
from lettalite.db import conversations as conversation_queries
from lettalite.db import messages as message_queries
from lettalite.db import runs as run_queries
from lettalite.db.conversations import ConversationOrder
from lettalite.db.models import BlockRow, ConversationBlockRow, ConversationRow, MessageRow
from lettalite.db.pagination import Page
from lettalite.db.session import Database, flush
from lettalite.errors import Conflict, InvalidArgument, NotFound
from lettalite.ids import new_id
from lettalite.llm.catalog import served_model
from lettalite.schemas.conversation import (
    Conversation as ConversationModel,
)
from lettalite.schemas.conversation import (
    CreateConversation,
    RetrieveStreamRequest,
    UpdateConversation,
)
from lettalite.schemas.message import LettaMessage, MessageType
from lettalite.services.messages import rendered

DEFAULT = "default"
# Message columns a fork copies; the copy gets its own id, sequence and conversation.
COPIED_COLUMNS = (
    "role",
    "content",
    "tool_calls",
    "tool_call_id",
    "tool_status",
    "tool_stdout",
    "tool_stderr",
    "approvals",
    "name",
    "otid",
    "run_id",
    "step_id",
    "model",
    "is_err",
    "created_at",
)


def conversation_model(
    row: ConversationRow, in_context_message_ids: list[str] | None = None
) -> ConversationModel:
    return ConversationModel(
        id=row.id,
        agent_id=row.agent_id,
        summary=row.summary,
        in_context_message_ids=in_context_message_ids or [],
        isolated_block_ids=[link.block_id for link in row.block_links],
        model=row.model,
        model_settings=row.model_settings,
        last_message_at=row.last_message_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def resolve(session: AsyncSession, path_value: str, agent_id: str | None) -> ConversationRef:
    """The conversation a path names: `default` (with an agent id) is the agent's default
    conversation, an agent id too (Letta's older form), else a conversation id."""
    if path_value == DEFAULT or path_value.startswith("agent-"):
        agent_id = agent_id if path_value == DEFAULT else path_value
        if agent_id is None:
            raise NotFound(
                "Conversation default not found: pass agent_id to use an agent's default "
                "conversation"
            )
        await agent_queries.get_agent(session, agent_id)
        return ConversationRef(agent_id)
    row = await conversation_queries.get_conversation(session, path_value)
    return ConversationRef(row.agent_id, row.id)


async def locate(database: Database, path_value: str, agent_id: str | None) -> ConversationRef:
    """`resolve` in a short session of its own, for routes that then run for a while."""
    async with database.session() as session:
        return await resolve(session, path_value, agent_id)


async def _check_model(handle: str | None) -> None:
    if handle is not None:
        await served_model(handle)


async def _new_conversation(
    session: AsyncSession, agent_id: str, **fields: object
) -> ConversationRow:
    """A conversation with an empty system message at its start; compile it once it is set."""
    sequence = await agent_queries.allocate_sequences(session, agent_id, 1)
    conversation = ConversationRow(
        id=new_id("conv"), agent_id=agent_id, context_start_sequence=0, block_links=[], **fields
    )
    system = MessageRow(
        id=new_id("message"),
        agent_id=agent_id,
        conversation_id=conversation.id,
        sequence=sequence,
        role="system",
        content=text_content(""),
    )
    conversation.system_message_id = system.id
    session.add_all([conversation, system])
    return conversation


def _isolate(conversation: ConversationRow, block: BlockRow) -> None:
    """Give the conversation its own copy of one of the agent's blocks."""
    copy = BlockRow(
        id=new_id("block"),
        label=block.label,
        value=block.value,
        limit=block.limit,
        description=block.description,
        read_only=block.read_only,
        metadata_=dict(block.metadata_ or {}),
        tags=list(block.tags or []),
    )
    conversation.block_links.append(ConversationBlockRow(label=copy.label, block=copy))


async def create_conversation(
    session: AsyncSession, agent_id: str, request: CreateConversation
) -> ConversationModel:
    agent = await agent_queries.get_agent(session, agent_id)
    await _check_model(request.model)
    blocks = {link.label: link.block for link in agent.block_links}
    labels = list(dict.fromkeys(request.isolated_block_labels or ()))
    for label in labels:
        if label not in blocks:
            raise InvalidArgument(
                f"INVALID_ARGUMENT: Block with label '{label}' not found on agent '{agent_id}'"
            )
    conversation = await _new_conversation(
        session,
        agent_id,
        summary=request.summary,
        model=request.model,
        model_settings=request.model_settings.filled() if request.model_settings else None,
    )
    for label in labels:
        _isolate(conversation, blocks[label])
    await flush(session)
    await recompile_system_prompt(session, Conversation(agent, conversation))
    return conversation_model(conversation)


async def get_conversation(session: AsyncSession, conversation_id: str) -> ConversationModel:
    row = await conversation_queries.get_conversation(session, conversation_id)
    window = await message_queries.in_context_messages(session, row.agent_id, row)
    return conversation_model(row, [message.id for message in window])


async def list_conversations(
    session: AsyncSession,
    *,
    agent_id: str | None,
    page: Page,
    order_by: ConversationOrder,
    summary_search: str | None,
) -> list[ConversationModel]:
    rows = await conversation_queries.list_conversations(
        session, page=page, order_by=order_by, agent_id=agent_id, summary_search=summary_search
    )
    return [conversation_model(row) for row in rows]


async def update_conversation(
    session: AsyncSession, conversation_id: str, request: UpdateConversation
) -> ConversationModel:
    row = await conversation_queries.get_conversation(session, conversation_id)
    await _check_model(request.model)
    for field, value in request.model_dump(exclude_none=True, exclude={"model_settings"}).items():
        setattr(row, field, value)
    if request.model_settings is not None:
        row.model_settings = request.model_settings.filled()
    await flush(session)
    return conversation_model(row)


async def delete_conversation(
    session: AsyncSession, runs: RunManager, conversation_id: str
) -> None:
    row = await conversation_queries.get_conversation(session, conversation_id)
    active = await run_queries.latest_active_run(session, row.agent_id, row.id)
    if active is not None:
        raise Conflict(
            f"Conversation {conversation_id} has an active run ({active.id}); cancel it first"
        )
    await conversation_queries.delete_conversation(session, row)


async def fork_conversation(session: AsyncSession, where: ConversationRef) -> ConversationModel:
    """A new conversation that starts where this one is: copies of its in-context messages
    (all but the system message, which is compiled anew) and of its isolated blocks."""
    source = await load_conversation(session, where)
    window = await message_queries.in_context_messages(session, where.agent_id, source.window)
    copied = [row for row in window if row.id != source.window.system_message_id]
    own = source.window if isinstance(source.window, ConversationRow) else None
    fork = await _new_conversation(
        session,
        where.agent_id,
        model=own.model if own else None,
        model_settings=own.model_settings if own else None,
    )
    for link in source.isolated_links():
        _isolate(fork, link.block)
    first = await agent_queries.allocate_sequences(session, where.agent_id, len(copied) or 1)
    copies: dict[str, MessageRow] = {}
    for offset, row in enumerate(copied):
        copy = MessageRow(
            id=new_id("message"),
            agent_id=where.agent_id,
            conversation_id=fork.id,
            sequence=first + offset,
            # Not searchable again: recall search finds the original once.
            search_text=None,
            **{column: getattr(row, column) for column in COPIED_COLUMNS},
        )
        copies[row.id] = copy
        session.add(copy)
    fork.context_start_sequence = first
    fork.summary_message_id = _copy_id(copies, source.window.summary_message_id)
    fork.pending_approval_message_id = _copy_id(copies, source.window.pending_approval_message_id)
    await flush(session)
    await recompile_system_prompt(session, Conversation(source.agent, fork))
    return conversation_model(fork)


def _copy_id(copies: dict[str, MessageRow], message_id: str | None) -> str | None:
    copy = copies.get(message_id) if message_id is not None else None
    return copy.id if copy is not None else None


async def list_conversation_messages(
    session: AsyncSession,
    where: ConversationRef,
    *,
    page: Page,
    include_types: list[MessageType] | None,
) -> list[LettaMessage]:
    """Every message of the conversation (in context or not), its system message included."""
    rows = await message_queries.list_messages(
        session,
        page,
        MessageRow.agent_id == where.agent_id,
        message_queries.in_conversation(where.conversation_id),
    )
    return rendered(rows, include_types)


async def recompile(session: AsyncSession, where: ConversationRef, *, dry_run: bool) -> str:
    conversation = await load_conversation(session, where)
    if dry_run:
        return await compiled_system_prompt(session, conversation)
    return await recompile_system_prompt(session, conversation)


async def cancel(runs: RunManager, where: ConversationRef, path_value: str) -> dict[str, str]:
    """Cancel the conversation's active runs; with none, close a pending approval by denying
    its calls (the model then sees why they did not run)."""
    cancelled = await runs.cancel(where.agent_id, where=where)
    if cancelled:
        return cancelled
    paused_run = await runs.cancel_pending_approval(where)
    if paused_run is not None:
        return {paused_run: "cancelled"}
    raise Conflict(f"CONFLICT: No active runs to cancel for conversation {path_value}")


async def run_to_stream(
    session: AsyncSession, runs: RunManager, where: ConversationRef, request: RetrieveStreamRequest
) -> RunHandle:
    """The run a client re-attaches to: by id, by its first message's otid, else the
    conversation's active run."""
    if request.run_id is not None:
        run = await run_queries.get_run(session, request.run_id)
    elif request.otid is not None:
        found = await run_queries.find_run_by_otid(
            session, where.agent_id, where.conversation_id, request.otid
        )
        if found is None:
            raise NotFound(
                f"No run found for otid={request.otid}. The run may have expired or never existed."
            )
        run = found
    else:
        active = await run_queries.latest_active_run(session, where.agent_id, where.conversation_id)
        if active is None:
            raise InvalidArgument("INVALID_ARGUMENT: No active runs found for this conversation.")
        run = active
    return await runs.handle(run.id)
