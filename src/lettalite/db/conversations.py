"""Conversation queries."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Select, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from lettalite.db.models import BlockRow, ConversationBlockRow, ConversationRow, MessageRow
from lettalite.db.pagination import Order, Page, SortKey, paginate
from lettalite.errors import NotFound

ConversationOrder = Literal["created_at", "last_run_completion", "last_message_at"]
# Conversations that never ran sort last in either order, as in Letta: a NULL is read as the
# far end of time (a NULL itself could not be paged past).
LAST_ASCENDING = datetime(9999, 12, 31, tzinfo=UTC)
LAST_DESCENDING = datetime(1, 1, 1, tzinfo=UTC)


def sort_key(order_by: ConversationOrder, order: Order) -> SortKey:
    column = getattr(ConversationRow, order_by)
    if order_by == "created_at":
        return SortKey(column, ConversationRow.id)
    never = literal(LAST_ASCENDING if order == "asc" else LAST_DESCENDING, column.type)
    return SortKey(func.coalesce(column, never), ConversationRow.id)


def _conversations() -> Select[tuple[ConversationRow]]:
    return select(ConversationRow).options(
        selectinload(ConversationRow.block_links).joinedload(ConversationBlockRow.block)
    )


async def get_conversation(session: AsyncSession, conversation_id: str) -> ConversationRow:
    # One statement: a conversation has few isolated blocks, if any.
    query = (
        select(ConversationRow)
        .options(joinedload(ConversationRow.block_links).joinedload(ConversationBlockRow.block))
        .where(ConversationRow.id == conversation_id)
    )
    conversation = (await session.scalars(query)).unique().first()
    if conversation is None:
        raise NotFound(f"Conversation {conversation_id} not found")
    return conversation


async def list_conversations(
    session: AsyncSession,
    *,
    page: Page,
    order_by: ConversationOrder,
    agent_id: str | None,
    summary_search: str | None,
) -> list[ConversationRow]:
    query = _conversations()
    if agent_id is not None:
        query = query.where(ConversationRow.agent_id == agent_id)
    if summary_search:
        query = query.where(ConversationRow.summary.contains(summary_search, autoescape=True))
    return await paginate(session, query, sort_key(order_by, page.order), page)


async def mark_prompts_stale(
    session: AsyncSession, agent_ids: Iterable[str], block_ids: Iterable[str] = ()
) -> None:
    """Have the named conversations of these agents, and those holding a copy of one of these
    blocks, recompile their system message before their next model request (one statement,
    however many conversations there are)."""
    holding = select(ConversationBlockRow.conversation_id).where(
        ConversationBlockRow.block_id.in_(list(block_ids))
    )
    await session.execute(
        update(ConversationRow)
        .where(ConversationRow.agent_id.in_(list(agent_ids)) | ConversationRow.id.in_(holding))
        .values(prompt_stale=True)
    )


async def touch(
    session: AsyncSession,
    conversation_id: str,
    *,
    message_at: datetime | None = None,
    run_ended_at: datetime | None = None,
) -> None:
    """The conversation got a message from the user, and/or a run of it ended (one UPDATE)."""
    values = {"last_message_at": message_at, "last_run_completion": run_ended_at}
    await session.execute(
        update(ConversationRow)
        .where(ConversationRow.id == conversation_id)
        .values({name: at for name, at in values.items() if at is not None})
        .execution_options(synchronize_session=False)
    )


async def delete_conversation(session: AsyncSession, conversation: ConversationRow) -> None:
    """The conversation, its messages and its isolated block copies."""
    block_ids = [link.block_id for link in conversation.block_links]
    await session.execute(delete(MessageRow).where(MessageRow.conversation_id == conversation.id))
    await session.delete(conversation)
    await session.flush()
    if block_ids:
        await session.execute(delete(BlockRow).where(BlockRow.id.in_(block_ids)))


async def delete_isolated_blocks(session: AsyncSession, agent_id: str) -> None:
    """The block copies the agent's conversations hold (before the agent and they go)."""
    held = (
        select(ConversationBlockRow.block_id)
        .join(ConversationRow, ConversationRow.id == ConversationBlockRow.conversation_id)
        .where(ConversationRow.agent_id == agent_id)
    )
    await session.execute(delete(BlockRow).where(BlockRow.id.in_(held)))
