"""The tool catalogue."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from lettalite.api.deps import SessionDep, ToolId, page_params
from lettalite.api.routing import collection_route
from lettalite.db.pagination import Page
from lettalite.schemas.tool import Tool
from lettalite.services import tools as tool_service

router = APIRouter(prefix="/v1/tools", tags=["tools"])


@collection_route(router, "GET", response_model=list[Tool])
async def list_tools(
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("asc", 50))],
    name: str | None = None,
    names: Annotated[list[str] | None, Query()] = None,
) -> list[Tool]:
    wanted = [*(names or []), *([name] if name else [])]
    return await tool_service.list_tools(session, page=page, names=wanted)


@router.get("/{tool_id}", response_model=Tool)
async def get_tool(tool_id: ToolId, session: SessionDep) -> Tool:
    return await tool_service.get_tool(session, tool_id)
