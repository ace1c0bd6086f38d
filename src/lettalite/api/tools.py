"""The tool catalogue: built-in tools and the custom tools users write in Python."""

from typing import Annotated

from fastapi import Depends, Query

from lettalite.api.deps import ListQuery, RunsDep, SessionDep, ToolId, list_items, page_params
from lettalite.api.errors import WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router, collection_route
from lettalite.db.pagination import Page
from lettalite.db.tools import ToolFilter
from lettalite.schemas.message import ToolReturnMessage
from lettalite.schemas.tool import (
    Tool,
    ToolCreate,
    ToolRunFromSource,
    ToolSearchRequest,
    ToolSearchResult,
    ToolUpdate,
)
from lettalite.services import tool_runs
from lettalite.services import tools as tool_service

# Every operation may refuse a value with 400 (a source without a schema, an unknown type).
router = api_router(prefix="/v1/tools", tags=["tools"], responses=WRITE_ERROR_RESPONSES)


async def tool_filter(
    name: str | None = None,
    names: ListQuery = None,
    tool_ids: ListQuery = None,
    tool_types: ListQuery = None,
    exclude_tool_types: ListQuery = None,
    search: Annotated[str | None, Query(max_length=255)] = None,
    return_only_letta_tools: bool = False,
    exclude_letta_tools: bool = False,
) -> ToolFilter:
    letta_tools = True if return_only_letta_tools else (False if exclude_letta_tools else None)
    return tool_service.tool_filter(
        names=[*list_items(names), *([name] if name else [])],
        ids=list_items(tool_ids),
        tool_types=list_items(tool_types),
        exclude_tool_types=list_items(exclude_tool_types),
        search=search,
        letta_tools=letta_tools,
    )


FilterDep = Annotated[ToolFilter, Depends(tool_filter)]


@collection_route(router, "GET", response_model=list[Tool])
async def list_tools(
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("asc", 50))],
    where: FilterDep,
) -> list[Tool]:
    return await tool_service.list_tools(session, page=page, where=where)


@router.get("/count", response_model=int)
async def count_tools(session: SessionDep, where: FilterDep) -> int:
    return await tool_service.count_tools(session, where)


@collection_route(router, "POST", response_model=Tool)
async def create_tool(request: ToolCreate, session: SessionDep) -> Tool:
    """Create a custom tool from Python source; one of the same name is updated instead."""
    return await tool_service.upsert_tool(session, request)


@collection_route(router, "PUT", response_model=Tool)
async def upsert_tool(request: ToolCreate, session: SessionDep) -> Tool:
    return await tool_service.upsert_tool(session, request)


@router.post("/search", response_model=list[ToolSearchResult])
async def search_tools(request: ToolSearchRequest, session: SessionDep) -> list[ToolSearchResult]:
    """Tools ranked by how well their name, description and tags match the query."""
    return await tool_service.search_tools(session, request)


@router.post("/add-base-tools", response_model=list[Tool])
async def add_base_tools(session: SessionDep) -> list[Tool]:
    return await tool_service.add_base_tools(session)


@router.post("/run", response_model=ToolReturnMessage)
async def run_tool_from_source(request: ToolRunFromSource, runs: RunsDep) -> ToolReturnMessage:
    """Run source in the sandbox once; nothing is stored."""
    return await tool_runs.run_from_source(runs, request)


@router.get("/{tool_id}", response_model=Tool)
async def get_tool(tool_id: ToolId, session: SessionDep) -> Tool:
    return await tool_service.get_tool(session, tool_id)


@router.patch("/{tool_id}", response_model=Tool)
async def modify_tool(tool_id: ToolId, request: ToolUpdate, session: SessionDep) -> Tool:
    return await tool_service.update_tool(session, tool_id, request)


@router.delete("/{tool_id}", response_model=None)
async def delete_tool(tool_id: ToolId, session: SessionDep) -> None:
    await tool_service.delete_tool(session, tool_id)
