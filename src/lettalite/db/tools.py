"""Tool queries, and keeping the stored built-in tools in step with their declarations."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.models import AgentToolRow, ToolRow
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.session import get_or_404
from lettalite.ids import new_id

TOOL_SORT = SortKey(ToolRow.created_at, ToolRow.id)
AGENT_TOOL_SORT = SortKey(AgentToolRow.id, ToolRow.id)


async def get_tool(session: AsyncSession, tool_id: str) -> ToolRow:
    return await get_or_404(session, ToolRow, tool_id, "Tool")


async def tools_by_name(session: AsyncSession, names: Iterable[str]) -> dict[str, ToolRow]:
    rows = await session.scalars(select(ToolRow).where(ToolRow.name.in_(set(names))))
    return {row.name: row for row in rows}


async def tools_by_id(session: AsyncSession, ids: Iterable[str]) -> dict[str, ToolRow]:
    rows = await session.scalars(select(ToolRow).where(ToolRow.id.in_(set(ids))))
    return {row.id: row for row in rows}


async def list_tools(
    session: AsyncSession, *, page: Page, names: Sequence[str] = ()
) -> list[ToolRow]:
    query = select(ToolRow)
    if names:
        query = query.where(ToolRow.name.in_(names))
    return await paginate(session, query, TOOL_SORT, page)


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
