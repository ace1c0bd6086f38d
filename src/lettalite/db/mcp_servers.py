"""MCP server queries, and the tool rows each server's tools are stored as."""

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.models import AgentToolRow, ToolRow
from lettalite.db.server_models import McpServerRow
from lettalite.db.session import get_or_404

MCP_TOOL_TYPE = "external_mcp"


async def get_server(session: AsyncSession, server_id: str) -> McpServerRow:
    return await get_or_404(session, McpServerRow, server_id, "MCP server")


async def server_named(session: AsyncSession, name: str) -> McpServerRow | None:
    return await session.scalar(select(McpServerRow).where(McpServerRow.server_name == name))


async def list_servers(session: AsyncSession) -> list[McpServerRow]:
    rows = await session.scalars(select(McpServerRow).order_by(McpServerRow.created_at))
    return list(rows)


async def server_tools(session: AsyncSession, server_id: str) -> list[ToolRow]:
    """The server's tools, by name; filtered in Python, as JSON paths differ by backend."""
    rows = await session.scalars(
        select(ToolRow).where(ToolRow.tool_type == MCP_TOOL_TYPE).order_by(ToolRow.name)
    )
    return [row for row in rows if tool_server_id(row) == server_id]


def tool_server_id(row: ToolRow) -> str | None:
    return ((row.metadata_ or {}).get("mcp") or {}).get("server_id")


async def delete_tools(session: AsyncSession, tool_ids: list[str]) -> None:
    if tool_ids:
        await session.execute(delete(ToolRow).where(ToolRow.id.in_(tool_ids)))


async def agent_server_ids(session: AsyncSession, agent_id: str) -> set[str]:
    """The servers whose tools the agent has attached."""
    rows = await session.scalars(
        select(ToolRow)
        .join(AgentToolRow, AgentToolRow.tool_id == ToolRow.id)
        .where(AgentToolRow.agent_id == agent_id, ToolRow.tool_type == MCP_TOOL_TYPE)
    )
    return {server_id for row in rows if (server_id := tool_server_id(row))}


async def delete_server(session: AsyncSession, server_id: str) -> None:
    await session.execute(delete(McpServerRow).where(McpServerRow.id == server_id))
