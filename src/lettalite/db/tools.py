"""Tool queries, and keeping the stored built-in tools in step with their declarations."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.fulltext import ranked_match
from lettalite.db.models import AgentToolRow, ToolRow
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.session import get_or_404
from lettalite.ids import new_id

TOOL_SORT = SortKey(ToolRow.created_at, ToolRow.id)
AGENT_TOOL_SORT = SortKey(AgentToolRow.id, ToolRow.id)


async def get_tool(session: AsyncSession, tool_id: str) -> ToolRow:
    return await get_or_404(session, ToolRow, tool_id, "Tool")


async def tools_by_name(session: AsyncSession, names: Iterable[str]) -> dict[str, ToolRow]:
    if not (wanted := set(names)):
        return {}  # no `IN ()` statement
    rows = await session.scalars(select(ToolRow).where(ToolRow.name.in_(wanted)))
    return {row.name: row for row in rows}


async def tools_by_id(session: AsyncSession, ids: Iterable[str]) -> dict[str, ToolRow]:
    if not (wanted := set(ids)):
        return {}
    rows = await session.scalars(select(ToolRow).where(ToolRow.id.in_(wanted)))
    return {row.id: row for row in rows}


@dataclass(frozen=True)
class ToolFilter:
    """Which tools a listing or count holds; empty fields filter nothing."""

    names: Sequence[str] = ()
    ids: Sequence[str] = ()
    tool_types: Sequence[str] = ()
    exclude_tool_types: Sequence[str] = ()
    search: str | None = None  # a case-insensitive substring of the name
    letta_tools: bool | None = None  # True: only built-in tools; False: only users' tools
    builtin_types: Sequence[str] = ()  # the tool types that count as built-in

    def apply(self, query: Select[Any]) -> Select[Any]:
        conditions = []
        if self.names:
            conditions.append(ToolRow.name.in_(self.names))
        if self.ids:
            conditions.append(ToolRow.id.in_(self.ids))
        if self.tool_types:
            conditions.append(ToolRow.tool_type.in_(self.tool_types))
        if self.exclude_tool_types:
            conditions.append(ToolRow.tool_type.not_in(self.exclude_tool_types))
        if self.search:
            name = func.lower(ToolRow.name)
            conditions.append(name.contains(self.search.lower(), autoescape=True))
        if self.letta_tools is not None:
            builtin = ToolRow.tool_type.in_(self.builtin_types)
            conditions.append(builtin if self.letta_tools else ~builtin)
        return query.where(*conditions)


async def list_tools(session: AsyncSession, *, page: Page, where: ToolFilter) -> list[ToolRow]:
    return await paginate(session, where.apply(select(ToolRow)), TOOL_SORT, page)


async def count_tools(session: AsyncSession, where: ToolFilter) -> int:
    return await session.scalar(where.apply(select(func.count()).select_from(ToolRow))) or 0


async def tool_named(session: AsyncSession, name: str) -> ToolRow | None:
    return await session.scalar(select(ToolRow).where(ToolRow.name == name))


async def delete_tool(session: AsyncSession, tool_id: str) -> None:
    await session.execute(delete(ToolRow).where(ToolRow.id == tool_id))


async def sync_builtin_tools(session: AsyncSession, declared: Iterable[dict[str, Any]]) -> None:
    """Insert missing built-in tools and refresh changed ones; ids stay stable across restarts."""
    declared = list(declared)
    existing = await tools_by_name(session, (tool["name"] for tool in declared))
    for tool in declared:
        row = existing.get(tool["name"])
        if row is None:
            session.add(ToolRow(id=new_id("tool"), **tool))
            continue
        for field, value in tool.items():
            if getattr(row, field) != value:
                setattr(row, field, value)


async def list_agent_tools(session: AsyncSession, agent_id: str, page: Page) -> list[ToolRow]:
    query = (
        select(ToolRow)
        .join(AgentToolRow, AgentToolRow.tool_id == ToolRow.id)
        .where(AgentToolRow.agent_id == agent_id)
    )
    return await paginate(session, query, AGENT_TOOL_SORT, page)


async def search_tools(
    session: AsyncSession, words: Sequence[str], tool_types: Sequence[str], limit: int | None
) -> list[ToolRow]:
    """Tools matching any of the words, best first (no words: every tool, oldest first)."""
    query = ToolFilter(tool_types=tool_types).apply(select(ToolRow))
    if words:
        query = ranked_match(query, "tool", list(words), session.bind.dialect.name)
    else:
        query = query.order_by(ToolRow.created_at, ToolRow.id)
    return list(await session.scalars(query.limit(limit)))
