"""Message queries: history listing, the in-context window and recall search."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Text,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lettalite.db.fulltext import query_words, ranked_match
from lettalite.db.models import AgentRow, ContextWindow, MessageRow
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.session import get_or_404

MESSAGE_SORT = SortKey(MessageRow.sequence, MessageRow.id)


async def get_message(session: AsyncSession, message_id: str) -> MessageRow:
    return await get_or_404(session, MessageRow, message_id, "Message")


def in_conversation(conversation_key: str | None, message: Any = MessageRow) -> ColumnElement[bool]:
    """Messages (`message`: the table, or an alias of it) of one conversation of an agent; None
    is the agent's default conversation."""
    if conversation_key is None:
        return message.conversation_id.is_(None)
    return message.conversation_id == conversation_key


async def list_messages(
    session: AsyncSession, page: Page, *where: ColumnElement[bool]
) -> list[MessageRow]:
    return await paginate(session, select(MessageRow).where(*where), MESSAGE_SORT, page)


def _in_context_parts(agent_id: str, window: ContextWindow) -> list[ColumnElement[bool]]:
    """The window as two disjoint conditions, each served by an index: the conversation from
    `context_start_sequence` on, and the pinned system and summary messages before it. (One
    `sequence >= x OR id IN (...)` condition made SQLite scan every stored message.)"""
    own = (MessageRow.agent_id == agent_id) & in_conversation(window.conversation_key)
    recent = own & ~_before_window(window)
    pinned = _pinned(window)
    return [recent, MessageRow.id.in_(pinned) & _before_window(window)] if pinned else [recent]


def _pinned(window: ContextWindow) -> list[str]:
    # None must not reach an IN list: `NOT (x IN (a, NULL))` is never true in SQL.
    return [i for i in (window.system_message_id, window.summary_message_id) if i is not None]


def _before_window(window: ContextWindow) -> ColumnElement[bool]:
    return MessageRow.sequence < window.context_start_sequence


def _lead(window: ContextWindow) -> ColumnElement[int]:
    """Where a message of the window goes first: the system prompt (0), then the summary (1),
    then the conversation (2) in sequence order."""
    whens = [
        (MessageRow.id == message_id, rank)
        for rank, message_id in enumerate((window.system_message_id, window.summary_message_id))
        if message_id is not None
    ]
    return (case(*whens, else_=2) if whens else literal(2)).label("lead")


def _window_query(agent_ids_windows: Sequence[tuple[str, ContextWindow]], *columns: Any) -> Any:
    """SELECT `columns` of the messages in these context windows (a UNION ALL of their parts),
    each window in its order: the system prompt, the summary, then the conversation (so no
    step sorts the window in Python)."""
    parts = [
        select(*columns, _lead(window)).where(part)
        for agent_id, window in agent_ids_windows
        for part in _in_context_parts(agent_id, window)
    ]
    if len(parts) == 1:
        return parts[0].order_by(literal_column("lead"), MessageRow.sequence)
    return union_all(*parts).order_by(literal_column("lead"), literal_column("sequence"))


async def in_context_messages(
    session: AsyncSession, agent_id: str, window: ContextWindow
) -> list[MessageRow]:
    query = select(MessageRow).from_statement(_window_query([(agent_id, window)], MessageRow))
    return list(await session.scalars(query))


# What a model request shows of a stored message, its JSON columns as their stored text (cast
# in SQL: asyncpg would decode them): agent/shown_cache.py decodes and renders each distinct
# message once per process. Then what agent/window_cache.py checks a kept window by.
HISTORY_COLUMNS = (
    MessageRow.role,
    cast(MessageRow.content, Text).label("content"),
    cast(MessageRow.tool_calls, Text).label("tool_calls"),
    MessageRow.tool_call_id,
    MessageRow.sequence,
    MessageRow.id,
    MessageRow.revision,
)


# The kept messages' alias, made once: SQLAlchemy remembers how each column maps onto an
# alias, and a new alias per query made it work that out again every step.
KEPT = aliased(MessageRow, name="kept")


@dataclass(frozen=True)
class WindowRead:
    """Of a context window: its pinned messages (system prompt, summary) and its conversation
    messages after `after`, as rows of HISTORY_COLUMNS (and their `lead`) in window order;
    and how many conversation messages it has up to `after` and their revisions' sum."""

    rows: list[Row[Any]]
    kept_count: int
    kept_revisions: int


async def window_after(
    session: AsyncSession, agent_id: str, window: ContextWindow, after: int
) -> WindowRead:
    """One query, so the kept part and the rows read are of one state of the database."""
    pinned = _pinned(window)
    conversation = (MessageRow.agent_id == agent_id) & in_conversation(window.conversation_key)
    if pinned:
        conversation &= MessageRow.id.not_in(pinned)
    start = window.context_start_sequence
    kept_where = (
        (KEPT.agent_id == agent_id)
        & in_conversation(window.conversation_key, KEPT)
        & KEPT.sequence.between(start, after)
    )
    if pinned:
        kept_where &= KEPT.id.not_in(pinned)
    totals = (
        select(func.count()).where(kept_where).scalar_subquery().label("kept_count"),
        select(func.coalesce(func.sum(KEPT.revision), 0))
        .where(kept_where)
        .scalar_subquery()
        .label("kept_revisions"),
    )
    columns = (*HISTORY_COLUMNS, _lead(window), *totals)
    parts = [select(*columns).where(conversation, MessageRow.sequence > max(after, start - 1))]
    if pinned:
        parts.append(select(*columns).where(MessageRow.id.in_(pinned)))
    query = union_all(*parts).order_by(literal_column("lead"), literal_column("sequence"))
    rows = list((await session.execute(query)).all())
    if not rows:  # nothing read to carry the totals: count them on their own
        count, revisions = (await session.execute(select(*totals))).one()
        return WindowRead([], count, revisions)
    return WindowRead(rows, rows[0].kept_count, rows[0].kept_revisions)


async def in_context_message_ids(
    session: AsyncSession, agents: Sequence[AgentRow]
) -> dict[str, list[str]]:
    """`message_ids` of several agents in one query (ids only: no message is loaded)."""
    columns = (MessageRow.agent_id, MessageRow.id, MessageRow.sequence)
    ids: dict[str, list[str]] = {agent.id: [] for agent in agents}
    if len(agents) == 1:  # most often: one agent's ids, as they come
        query = _window_query([(agents[0].id, agents[0])], MessageRow.id, MessageRow.sequence)
        ids[agents[0].id] = list((await session.scalars(query)).all())
    elif agents:
        for agent_id, message_id, *_ in await session.execute(
            _window_query([(a.id, a) for a in agents], *columns)
        ):
            ids[agent_id].append(message_id)
    return ids


async def answered_call_ids(
    session: AsyncSession, agent_id: str, conversation_key: str | None, call_ids: set[str]
) -> set[str]:
    """Which of these tool calls already have a result stored in the conversation."""
    query = select(MessageRow.tool_call_id).where(
        MessageRow.agent_id == agent_id,
        in_conversation(conversation_key),
        MessageRow.role == "tool",
        MessageRow.tool_call_id.in_(call_ids),
    )
    return set(await session.scalars(query))


async def latest_message(
    session: AsyncSession, agent_id: str, conversation_key: str | None
) -> MessageRow | None:
    query = (
        select(MessageRow)
        .where(MessageRow.agent_id == agent_id, in_conversation(conversation_key))
        .order_by(MessageRow.sequence.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


def recall_count_query(agent_id: str, window: ContextWindow) -> Select[tuple[int]]:
    """How many stored messages of the window's conversation are no longer in the window."""
    return select(func.count()).where(
        MessageRow.agent_id == agent_id,
        in_conversation(window.conversation_key),
        _before_window(window),
        MessageRow.id.not_in(_pinned(window)),
    )


async def count_recall(session: AsyncSession, agent_id: str, window: ContextWindow) -> int:
    return (await session.execute(recall_count_query(agent_id, window))).scalar_one()


async def search_messages(
    session: AsyncSession,
    *where: ColumnElement[bool],
    query: str,
    roles: Sequence[str] | None,
    limit: int,
    start: datetime | None,
    end: datetime | None,
) -> list[MessageRow]:
    """Stored messages (in context or evicted) matching `where` and every filter.

    With query words: full-text matches ranked best first (any word may match; more and
    rarer words rank higher). Without: the newest messages.
    """
    statement = select(MessageRow).where(
        *where,
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
    statement = statement.order_by(MessageRow.created_at.desc(), MessageRow.sequence.desc())
    statement = statement.limit(limit)
    return list(await session.scalars(statement))
