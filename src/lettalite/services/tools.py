"""Tool operations."""

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db import agents as agent_queries
from lettalite.db import tools as tool_queries
from lettalite.db.pagination import Page
from lettalite.schemas.tool import Tool
from lettalite.services.views import tool_model
from lettalite.tools import TOOLS

BUILTIN_RETURN_CHAR_LIMIT = 50000


def builtin_tool_rows() -> list[dict]:
    """The declared built-in tools in their stored form."""
    return [
        {
            "name": spec.name,
            "tool_type": spec.tool_type,
            "description": spec.description,
            "json_schema": spec.json_schema,
            "tags": [spec.tool_type],
            "return_char_limit": BUILTIN_RETURN_CHAR_LIMIT,
        }
        for spec in TOOLS.values()
    ]


async def sync_builtin_tools(session: AsyncSession) -> None:
    await tool_queries.sync_builtin_tools(session, builtin_tool_rows())


async def list_tools(session: AsyncSession, *, page: Page, names: list[str]) -> list[Tool]:
    return [tool_model(t) for t in await tool_queries.list_tools(session, page=page, names=names)]


async def get_tool(session: AsyncSession, tool_id: str) -> Tool:
    return tool_model(await tool_queries.get_tool(session, tool_id))


async def list_agent_tools(session: AsyncSession, agent_id: str, page: Page) -> list[Tool]:
    await agent_queries.get_agent(session, agent_id)
    return [tool_model(t) for t in await tool_queries.list_agent_tools(session, agent_id, page)]
