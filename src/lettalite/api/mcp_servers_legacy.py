"""The older MCP API (`/v1/tools/mcp/servers`), keyed by server name, which clients written
before `/v1/mcp-servers` still call. Same servers, same storage."""

from typing import Any

from lettalite.api.deps import McpDep, ServerKey, SessionDep
from lettalite.api.errors import MCP_ERROR_RESPONSES
from lettalite.api.routing import api_router, collection_route
from lettalite.schemas.mcp import LegacyServerConfig, McpRefreshResult
from lettalite.services import mcp_servers as mcp_service

router = api_router(prefix="/v1/tools/mcp/servers", tags=["mcp"], responses=MCP_ERROR_RESPONSES)


@collection_route(router, "GET", response_model=dict[str, dict[str, Any]])
async def list_mcp_servers(session: SessionDep, mcp: McpDep) -> dict[str, dict[str, Any]]:
    """Every server's config, by name (secrets masked)."""
    configs = await mcp_service.legacy_configs(session, mcp)
    return {config["server_name"]: config for config in configs}


@collection_route(router, "PUT", response_model=list[dict[str, Any]])
async def add_mcp_server(
    request: LegacyServerConfig, session: SessionDep, mcp: McpDep
) -> list[dict[str, Any]]:
    """Register a server; answers with every server's config."""
    await mcp_service.create_server(session, mcp, mcp_service.legacy_create(request))
    return await mcp_service.legacy_configs(session, mcp)


@router.delete("/{mcp_server_name}", response_model=list[dict[str, Any]])
async def delete_mcp_server(
    mcp_server_name: ServerKey, session: SessionDep, mcp: McpDep
) -> list[dict[str, Any]]:
    server_id = await mcp_service.server_id_named(session, mcp_server_name)
    await mcp_service.delete_server(session, mcp, server_id)
    return await mcp_service.legacy_configs(session, mcp)


@router.get("/{mcp_server_name}/tools", response_model=list[dict[str, Any]])
async def list_mcp_tools_by_server(
    mcp_server_name: ServerKey, session: SessionDep, mcp: McpDep
) -> list[dict[str, Any]]:
    """The tools the server offers now (asked live, unlike `/v1/mcp-servers/{id}/tools`)."""
    return await mcp_service.live_tools(session, mcp, mcp_server_name)


@router.post("/{mcp_server_name}/resync", response_model=McpRefreshResult)
async def resync_mcp_server_tools(
    mcp_server_name: ServerKey,
    session: SessionDep,
    mcp: McpDep,
    agent_id: str | None = None,  # accepted, as Letta's; changes nothing
) -> McpRefreshResult:
    server_id = await mcp_service.server_id_named(session, mcp_server_name)
    return await mcp_service.refresh_server(session, mcp, server_id)
