"""MCP servers (`/v1/mcp-servers`): register servers, list and refresh their tools, run one."""

from typing import Annotated

from fastapi import Query, Response

from lettalite.api.deps import McpDep, ServerKey, SessionDep
from lettalite.api.errors import MCP_ERROR_RESPONSES
from lettalite.api.routing import api_router, collection_route
from lettalite.schemas.mcp import (
    CreateMcpServer,
    McpRefreshResult,
    McpServer,
    McpToolRun,
    McpToolRunResult,
    UpdateMcpServer,
)
from lettalite.schemas.tool import Tool
from lettalite.services import mcp_servers as mcp_service

router = api_router(prefix="/v1/mcp-servers", tags=["mcp"], responses=MCP_ERROR_RESPONSES)


# Only the fields of the server's type: the SDKs tell the kinds apart by them.
SERVER = {"response_model": McpServer, "response_model_exclude_none": True}


@collection_route(router, "POST", **SERVER)
async def create_mcp_server(
    request: CreateMcpServer, session: SessionDep, mcp: McpDep
) -> McpServer:
    """Register a server and store its tools (when it can be reached now)."""
    return await mcp_service.create_server(session, mcp, request)


@collection_route(router, "GET", response_model=list[McpServer], response_model_exclude_none=True)
async def list_mcp_servers(session: SessionDep, mcp: McpDep) -> list[McpServer]:
    return await mcp_service.list_servers(session, mcp)


@router.get("/{mcp_server_id}", **SERVER)
async def retrieve_mcp_server(
    mcp_server_id: ServerKey, session: SessionDep, mcp: McpDep
) -> McpServer:
    return await mcp_service.get_server(session, mcp, mcp_server_id)


@router.patch("/{mcp_server_id}", **SERVER)
async def update_mcp_server(
    mcp_server_id: ServerKey, request: UpdateMcpServer, session: SessionDep, mcp: McpDep
) -> McpServer:
    return await mcp_service.update_server(session, mcp, mcp_server_id, request)


@router.delete("/{mcp_server_id}", status_code=204, response_class=Response)
async def delete_mcp_server(mcp_server_id: ServerKey, session: SessionDep, mcp: McpDep) -> Response:
    await mcp_service.delete_server(session, mcp, mcp_server_id)
    return Response(status_code=204)


@router.get("/{mcp_server_id}/tools", response_model=list[Tool])
async def list_mcp_server_tools(mcp_server_id: ServerKey, session: SessionDep) -> list[Tool]:
    """The server's tools as stored (no call to the server)."""
    return await mcp_service.list_server_tools(session, mcp_server_id)


@router.get("/{mcp_server_id}/tools/{tool_id}", response_model=Tool)
async def retrieve_mcp_server_tool(
    mcp_server_id: ServerKey, tool_id: ServerKey, session: SessionDep
) -> Tool:
    return await mcp_service.get_server_tool(session, mcp_server_id, tool_id)


@router.patch("/{mcp_server_id}/refresh", response_model=McpRefreshResult)
async def refresh_mcp_server_tools(
    mcp_server_id: ServerKey,
    session: SessionDep,
    mcp: McpDep,
    agent_id: Annotated[str | None, Query()] = None,  # accepted, as Letta's; changes nothing
) -> McpRefreshResult:
    """Store the tools the server offers now: names of those deleted, updated and added."""
    return await mcp_service.refresh_server(session, mcp, mcp_server_id)


@router.post("/{mcp_server_id}/tools/{tool_id}/run", response_model=McpToolRunResult)
async def run_mcp_server_tool(
    mcp_server_id: ServerKey,
    tool_id: ServerKey,
    session: SessionDep,
    mcp: McpDep,
    request: McpToolRun | None = None,
) -> McpToolRunResult:
    arguments = request.args if request is not None else {}
    return await mcp_service.run_server_tool(session, mcp, mcp_server_id, tool_id, arguments)
