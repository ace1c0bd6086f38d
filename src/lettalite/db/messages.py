"""Message queries: history listing, the in-context window and recall search."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.models import AgentRow, MessageRow
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.session import get_or_404

MESSAGE_SORT = SortKey(MessageRow.sequence, MessageRow.id)


async def get_message(session: AsyncSession, message_id: str) -> MessageRow:
    return await get_or_404(session, MessageRow, message_id, "Message")


async def list_messages(session: AsyncSession, agent_id: str, page: Page) -> list[MessageRow]:
    query = select(MessageRow).where(MessageRow.agent_id == agent_id)
    return await paginate(session, query, MESSAGE_SORT, page)


async def in_context_messages(session: AsyncSession, agent: AgentRow) -> list[MessageRow]:
    """The system message, then every message from the context start, in sequence order."""
    query = (
        select(MessageRow)
        .where(MessageRow.agent_id == agent.id)
        .where(
            (MessageRow.sequence >= agent.context_start_sequence)
            | (MessageRow.id == agent.system_message_id)
        )
        .order_by(MessageRow.sequence)
    )
    return list(await session.scalars(query))


async def in_context_message_ids(
    session: AsyncSession, agents: Sequence[AgentRow]
) -> dict[str, list[str]]:
    """`message_ids` of several agents in one query."""
    result: dict[str, list[str]] = {agent.id: [] for agent in agents}
    if not agents:
        return result
    starts = {agent.id: agent.context_start_sequence for agent in agents}
    system_ids = {agent.system_message_id for agent in agents}
    query = (
        select(MessageRow.agent_id, MessageRow.id, MessageRow.sequence)
        .where(MessageRow.agent_id.in_(starts))
        .order_by(MessageRow.agent_id, MessageRow.sequence)
    )
    for agent_id, message_id, sequence in await session.execute(query):
        if message_id in system_ids or sequence >= starts[agent_id]:
            result[agent_id].append(message_id)
    return result


async def count_recall(session: AsyncSession, agent: AgentRow) -> int:
    """Stored messages that are no longer in the context window."""
    query = select(func.count()).where(
        MessageRow.agent_id == agent.id,
        MessageRow.sequence < agent.context_start_sequence,
        MessageRow.id != agent.system_message_id,
    )
    return (await session.execute(query)).scalar_one()


async def search_messages(
    session: AsyncSession,
    agent_id: str,
    *,
    query: str,
    roles: Sequence[str] | None,
    limit: int,
    start: datetime | None,
    end: datetime | None,
) -> list[MessageRow]:
    """Newest-first messages of the agent matching every filter (the system prompt excluded)."""
    statement = select(MessageRow).where(
        MessageRow.agent_id == agent_id,
        MessageRow.role != "system",
        # Earlier search results would otherwise match every repeated query.
        or_(MessageRow.role != "tool", MessageRow.name.is_distinct_from("conversation_search")),
    )
    if roles:
        statement = statement.where(MessageRow.role.in_(roles))
    if start is not None:
        statement = statement.where(MessageRow.created_at >= start)
    if end is not None:
        statement = statement.where(MessageRow.created_at <= end)
    rows = list(await session.scalars(statement.order_by(MessageRow.sequence.desc())))
    needle = query.casefold()
    return [row for row in rows if needle in row.text.casefold()][:limit]
