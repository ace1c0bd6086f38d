"""Message queries: history listing, the in-context window and recall search."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.fulltext import query_words, ranked_match
from lettalite.db.models import AgentRow, MessageRow
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.session import get_or_404

MESSAGE_SORT = SortKey(MessageRow.sequence, MessageRow.id)


async def get_message(session: AsyncSession, message_id: str) -> MessageRow:
    return await get_or_404(session, MessageRow, message_id, "Message")


async def list_messages(session: AsyncSession, agent_id: str, page: Page) -> list[MessageRow]:
    query = select(MessageRow).where(MessageRow.agent_id == agent_id)
    return await paginate(session, query, MESSAGE_SORT, page)


def _in_context(agent: AgentRow) -> Any:
    # None must not reach the IN list: `NOT (x IN (a, NULL))` is never true in SQL.
    pinned = [i for i in (agent.system_message_id, agent.summary_message_id) if i is not None]
    return (MessageRow.sequence >= agent.context_start_sequence) | MessageRow.id.in_(pinned)


def context_order(agent: AgentRow, rows: Sequence[MessageRow]) -> list[MessageRow]:
    """The context window's order: system prompt, then the summary, then the conversation."""
    lead = {agent.system_message_id: 0, agent.summary_message_id: 1}
    return sorted(rows, key=lambda row: (lead.get(row.id, 2), row.sequence))


async def in_context_messages(session: AsyncSession, agent: AgentRow) -> list[MessageRow]:
    query = select(MessageRow).where(MessageRow.agent_id == agent.id, _in_context(agent))
    return context_order(agent, list(await session.scalars(query)))


async def in_context_message_ids(
    session: AsyncSession, agents: Sequence[AgentRow]
) -> dict[str, list[str]]:
    """`message_ids` of several agents in one query."""
    if not agents:
        return {}
    by_id = {agent.id: agent for agent in agents}
    query = select(MessageRow).where(
        MessageRow.agent_id.in_(by_id),
        or_(*(_in_context(a) & (MessageRow.agent_id == a.id) for a in agents)),
    )
    rows: dict[str, list[MessageRow]] = {agent.id: [] for agent in agents}
    for row in await session.scalars(query):
        rows[row.agent_id].append(row)
    return {
        agent_id: [row.id for row in context_order(by_id[agent_id], agent_rows)]
        for agent_id, agent_rows in rows.items()
    }


async def count_recall(session: AsyncSession, agent: AgentRow) -> int:
    """Stored messages that are no longer in the context window."""
    query = select(func.count()).where(MessageRow.agent_id == agent.id, ~_in_context(agent))
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
    """The agent's stored messages (in context or evicted) matching every filter.

    With query words: full-text matches ranked best first (any word may match; more and
    rarer words rank higher). Without: the newest messages.
    """
    statement = select(MessageRow).where(
        MessageRow.agent_id == agent_id,
        MessageRow.search_text.is_not(None),
        # Earlier search results would otherwise match every repeated query.
        or_(MessageRow.role != "tool", MessageRow.name.is_distinct_from("conversation_search")),
    )
    if roles:
        statement = statement.where(MessageRow.role.in_(roles))
    if start is not None:
        statement = statement.where(MessageRow.created_at >= start)
    if end is not None:
        statement = statement.where(MessageRow.created_at <= end)
    words = query_words(query)
    if words:
        statement = ranked_match(statement, "message", words, session.bind.dialect.name)
    statement = statement.order_by(MessageRow.sequence.desc()).limit(limit)
    return list(await session.scalars(statement))
