"""Agent queries."""

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    Select,
    String,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.dml import ReturningInsert

from lettalite.db.identities import linked_to
from lettalite.db.models import (
    AgentArchiveRow,
    AgentBlockRow,
    AgentRow,
    AgentTagRow,
    AgentToolRow,
    BlockRow,
    ConversationRow,
    IdentityAgentRow,
    IdentityRow,
    ToolRow,
)
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.runs import LastRun
from lettalite.db.session import conflicts_reported
from lettalite.errors import NotFound

AGENT_SORT = SortKey(AgentRow.created_at, AgentRow.id)
_MEMORY_AND_TOOLS = (
    selectinload(AgentRow.block_links).joinedload(AgentBlockRow.block),
    selectinload(AgentRow.tool_links).joinedload(AgentToolRow.tool),
)
_TAGS_AND_IDENTITIES = (
    selectinload(AgentRow.tag_rows),
    selectinload(AgentRow.identity_links)
    .joinedload(IdentityAgentRow.identity)
    .options(selectinload(IdentityRow.agent_links), selectinload(IdentityRow.block_links)),
)
_WITH_RELATIONS = (*_MEMORY_AND_TOOLS, *_TAGS_AND_IDENTITIES)
# One agent comes with its blocks joined to its row: one statement fewer on every step.
_ONE_WITH_MEMORY_AND_TOOLS = (
    joinedload(AgentRow.block_links).joinedload(AgentBlockRow.block),
    selectinload(AgentRow.tool_links).joinedload(AgentToolRow.tool),
)


def _agents() -> Select[tuple[AgentRow]]:
    return select(AgentRow).options(*_WITH_RELATIONS)


async def get_agent(
    session: AsyncSession, agent_id: str, *, tags: bool = True, lock: bool = False
) -> AgentRow:
    """The agent with its blocks and tools, and its tags unless `tags` is false (a turn does
    not read them: one statement fewer on every step). `lock` holds its row until the
    transaction ends (PostgreSQL; SQLite's writers already take turns)."""
    options = (*_ONE_WITH_MEMORY_AND_TOOLS, *(_TAGS_AND_IDENTITIES if tags else ()))
    query = select(AgentRow).options(*options).where(AgentRow.id == agent_id)
    rows = await session.scalars(query.with_for_update(of=AgentRow) if lock else query)
    agent = rows.unique().first()
    if agent is None:
        raise NotFound(f"Agent {agent_id} not found")
    return agent


async def lock_agent(session: AsyncSession, agent_id: str) -> None:
    """Hold the agent's row until the transaction ends (a no-op on SQLite, whose writers
    already take turns)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(AgentRow.id).where(AgentRow.id == agent_id).with_for_update())


async def get_agent_row(session: AsyncSession, agent_id: str, *, lock: bool = False) -> AgentRow:
    """The agent's own columns only (one statement); `lock` as in get_agent."""
    agent = await session.get(AgentRow, agent_id, with_for_update=lock)
    if agent is None:
        raise NotFound(f"Agent {agent_id} not found")
    return agent


async def turn_models(
    session: AsyncSession, agent_id: str, conversation_id: str | None
) -> tuple[str, str | None, str | None]:
    """The agent's model and embedding handles, and the named conversation's own model (None
    for the default conversation, one without, or one of another agent): one statement."""
    own_model = (
        select(ConversationRow.model)
        .where(ConversationRow.id == conversation_id, ConversationRow.agent_id == agent_id)
        .scalar_subquery()
    )
    query = select(AgentRow.model, AgentRow.embedding, own_model).where(AgentRow.id == agent_id)
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(f"Agent {agent_id} not found")
    return row[0], row[1], row[2]


async def list_agents(
    session: AsyncSession,
    *,
    page: Page,
    name: str | None = None,
    tags: Sequence[str] = (),
    match_all_tags: bool = False,
    query_text: str | None = None,
    block_id: str | None = None,
    identity_id: str | None = None,
    identifier_keys: Sequence[str] = (),
    last_stop_reason: str | None = None,
    archive_id: str | None = None,
) -> list[AgentRow]:
    query = _agents()
    if last_stop_reason is not None:
        query = query.where(AgentRow.last_stop_reason == last_stop_reason)
    if identity_id is not None or identifier_keys:
        linked = linked_to(IdentityAgentRow.agent_id, identity_id, identifier_keys)
        query = query.where(AgentRow.id.in_(linked))
    if block_id is not None:
        attached = select(AgentBlockRow.agent_id).where(AgentBlockRow.block_id == block_id)
        query = query.where(AgentRow.id.in_(attached))
    if archive_id is not None:
        attached = select(AgentArchiveRow.agent_id).where(AgentArchiveRow.archive_id == archive_id)
        query = query.where(AgentRow.id.in_(attached))
    if name is not None:
        query = query.where(AgentRow.name == name)
    if query_text:
        query = query.where(func.lower(AgentRow.name).contains(query_text.lower(), autoescape=True))
    if tags:
        tagged = select(AgentTagRow.agent_id).where(AgentTagRow.tag.in_(set(tags)))
        if match_all_tags:
            tagged = tagged.group_by(AgentTagRow.agent_id).having(
                func.count(AgentTagRow.tag) == len(set(tags))
            )
        query = query.where(AgentRow.id.in_(tagged))
    return await paginate(session, query, AGENT_SORT, page)


async def agent_ids_named(session: AsyncSession, name: str) -> list[str]:
    """The ids of the agents with this name, oldest first (names need not be unique)."""
    query = select(AgentRow.id).where(AgentRow.name == name)
    query = query.order_by(AGENT_SORT.sort, AGENT_SORT.id)
    return list(await session.scalars(query))


async def agent_names(session: AsyncSession) -> list[tuple[str, str, datetime]]:
    """Every agent's id, name and creation time, oldest first."""
    query = select(AgentRow.id, AgentRow.name, AgentRow.created_at)
    rows = await session.execute(query.order_by(AGENT_SORT.sort, AGENT_SORT.id))
    return [(row.id, row.name, row.created_at) for row in rows]


async def agents_by_ids(session: AsyncSession, agent_ids: Sequence[str]) -> list[AgentRow]:
    """The agents with their blocks and tools (not their tags)."""
    query = select(AgentRow).options(*_MEMORY_AND_TOOLS).where(AgentRow.id.in_(agent_ids))
    return list(await session.scalars(query))


async def allocate_sequences(
    session: AsyncSession, agent_id: str, count: int, last_run: LastRun | None = None
) -> int:
    """Reserve `count` message sequence numbers for the agent; returns the first one. A run's
    last step records the run as the agent's `last_run` in the same statement.

    The UPDATE takes the agent row's write lock, so concurrent writers queue here.
    """
    values: dict[str, object] = {"next_sequence": AgentRow.next_sequence + count}
    if last_run is not None:
        values |= last_run.agent_values()
    result = await session.execute(
        update(AgentRow)
        .where(AgentRow.id == agent_id)
        .values(values)
        .returning(AgentRow.next_sequence)
    )
    return result.scalar_one() - count


async def agents_with_tool(session: AsyncSession, tool_id: str) -> list[AgentRow]:
    query = select(AgentRow).join(AgentToolRow, AgentToolRow.agent_id == AgentRow.id)
    return list(await session.scalars(query.where(AgentToolRow.tool_id == tool_id)))


async def all_agent_tags(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(AgentTagRow.tag).distinct()))


# A new agent's links are inserted with Core: the ORM inserts rows whose ids the database
# assigns one statement per row on SQLite (to read each id back), and nothing needs the ids
# (`inline()`: nor reads back the one row's id on PostgreSQL).
_AGENT_BLOCK = AgentBlockRow.__table__
_AGENT_TOOL = AgentToolRow.__table__


async def _insert_links(session: AsyncSession, table: Table, rows: list[dict[str, str]]) -> None:
    """The rows, in order, in one statement."""
    if rows:
        with conflicts_reported():
            await session.execute(insert(table).inline(), rows)


async def link_blocks(session: AsyncSession, agent_id: str, blocks: Sequence[BlockRow]) -> None:
    """Attach blocks to a new agent, in order, in one statement."""
    rows = [{"agent_id": agent_id, "block_id": b.id, "label": b.label} for b in blocks]
    await _insert_links(session, _AGENT_BLOCK, rows)


async def link_tools(session: AsyncSession, agent_id: str, tools: Sequence[ToolRow]) -> None:
    """Attach tools to a new agent, in order, in one statement."""
    rows = [{"agent_id": agent_id, "tool_id": tool.id} for tool in tools]
    await _insert_links(session, _AGENT_TOOL, rows)


@lru_cache(maxsize=32)
def _link_tools_as_read(count: int) -> ReturningInsert[tuple[str]]:
    """INSERT ... SELECT of `count` tools (`tool_<i>`, `updated_<i>`), kept per count:
    a statement object used again skips SQLAlchemy's work of making its cache key."""
    positions = range(count)
    as_read = or_(
        *(
            (ToolRow.id == bindparam(f"tool_{i}"))
            & (ToolRow.updated_at == bindparam(f"updated_{i}"))
            for i in positions
        )
    )
    order = case(*((ToolRow.id == bindparam(f"tool_{i}"), i) for i in positions))
    still = select(bindparam("agent_id", type_=String()), ToolRow.id).where(as_read).order_by(order)
    return (
        insert(_AGENT_TOOL)
        .from_select(["agent_id", "tool_id"], still)
        .returning(_AGENT_TOOL.c.tool_id)
    )


async def link_tools_as_read(
    session: AsyncSession, agent_id: str, tools: Sequence[ToolRow]
) -> set[str]:
    """Attach tools to a new agent, in order, in one statement, but only those whose rows are
    still as read (the same id and `updated_at`, which every change of a tool moves on); the
    ids of those attached."""
    if not tools:
        return set()
    params: dict[str, object] = {"agent_id": agent_id}
    for i, tool in enumerate(tools):
        params[f"tool_{i}"], params[f"updated_{i}"] = tool.id, tool.updated_at
    with conflicts_reported():
        return set(await session.scalars(_link_tools_as_read(len(tools)), params))


async def unlink_tools(session: AsyncSession, agent_id: str) -> None:
    await session.execute(delete(AgentToolRow).where(AgentToolRow.agent_id == agent_id))
