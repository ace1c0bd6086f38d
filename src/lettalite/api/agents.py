"""Agents and the tools attached to them."""

from typing import Annotated

from fastapi import Body, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse

from lettalite.api.deps import (
    AgentId,
    DatabaseDep,
    McpDep,
    RunsDep,
    SessionDep,
    ToolId,
    page_params,
)
from lettalite.api.errors import WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router, collection_route
from lettalite.api.scopes import hide_secrets_from_tokens
from lettalite.db.pagination import Page
from lettalite.errors import InvalidArgument
from lettalite.schemas.agent import (
    AgentRepositories,
    AgentSecret,
    AgentState,
    CreateAgent,
    DeletedResponse,
    ModifyApproval,
    UpdateAgent,
)
from lettalite.schemas.mcp import McpServer
from lettalite.schemas.message import StopReasonType
from lettalite.schemas.tool import Tool, ToolExecutionResult, ToolRunForAgent
from lettalite.services import agents as agent_service
from lettalite.services import mcp_servers as mcp_service
from lettalite.services import tool_runs
from lettalite.services import tools as tool_service

router = api_router(prefix="/v1/agents", tags=["agents"])


@collection_route(router, "POST", response_model=AgentState, responses=WRITE_ERROR_RESPONSES)
async def create_agent(body: CreateAgent, session: SessionDep) -> AgentState:
    return await agent_service.create_agent(session, body)


@collection_route(router, "GET", response_model=list[AgentState])
async def list_agents(
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("desc", 50))],
    name: str | None = None,
    tags: Annotated[list[str] | None, Query()] = None,
    match_all_tags: bool = False,
    query_text: str | None = None,
    identity_id: Annotated[str | None, Query(max_length=128)] = None,
    identifier_keys: Annotated[list[str] | None, Query()] = None,
    last_stop_reason: StopReasonType | None = None,
) -> list[AgentState]:
    return await agent_service.list_agents(
        session,
        page=page,
        name=name,
        tags=tags or [],
        match_all_tags=match_all_tags,
        query_text=query_text,
        identity_id=identity_id,
        identifier_keys=identifier_keys or [],
        last_stop_reason=last_stop_reason,
    )


@router.get("/{agent_id}", response_model=AgentState)
async def get_agent(agent_id: AgentId, session: SessionDep, request: Request) -> AgentState:
    return hide_secrets_from_tokens(request, await agent_service.get_agent(session, agent_id))


@router.patch("/{agent_id}", response_model=AgentState, responses=WRITE_ERROR_RESPONSES)
async def update_agent(agent_id: AgentId, body: UpdateAgent, session: SessionDep) -> AgentState:
    return await agent_service.update_agent(session, agent_id, body)


@router.delete("/{agent_id}", response_model=DeletedResponse)
async def delete_agent(agent_id: AgentId, session: SessionDep) -> DeletedResponse:
    await agent_service.delete_agent(session, agent_id)
    return DeletedResponse(message=f"Agent id={agent_id} successfully deleted")


@router.post(
    "/{agent_id}/recompile",
    response_model=None,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def recompile(
    agent_id: AgentId, session: SessionDep, dry_run: bool = False, update_timestamp: bool = False
) -> PlainTextResponse:
    # Plain text: the SDKs hand a string response to the caller as the body's text. The
    # recompile time shown to the model is always updated; `update_timestamp` is accepted
    # for compatibility.
    prompt = await agent_service.recompile(session, agent_id, dry_run=dry_run)
    return PlainTextResponse(prompt)


@router.get("/{agent_id}/tools", response_model=list[Tool])
async def list_agent_tools(
    agent_id: AgentId,
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("asc", 50))],
) -> list[Tool]:
    return await tool_service.list_agent_tools(session, agent_id, page)


@router.post(
    "/{agent_id}/tools/{tool_name}/run",
    response_model=ToolExecutionResult,
    responses=WRITE_ERROR_RESPONSES,
)
async def run_agent_tool(
    agent_id: AgentId,
    tool_name: Annotated[str, Path(max_length=255)],
    request: ToolRunForAgent,
    database: DatabaseDep,
    runs: RunsDep,
) -> ToolExecutionResult:
    """Run one of the agent's attached tools now, with its secrets and memory; nothing is
    added to its conversation."""
    return await tool_runs.run_for_agent(database, runs, agent_id, tool_name, request.args)


@router.patch("/{agent_id}/tools/attach/{tool_id}", response_model=AgentState)
async def attach_tool(agent_id: AgentId, tool_id: ToolId, session: SessionDep) -> AgentState:
    return await agent_service.attach_tool(session, agent_id, tool_id)


@router.patch("/{agent_id}/tools/detach/{tool_id}", response_model=AgentState)
async def detach_tool(agent_id: AgentId, tool_id: ToolId, session: SessionDep) -> AgentState:
    return await agent_service.detach_tool(session, agent_id, tool_id)


@router.patch(
    "/{agent_id}/tools/approval/{tool_name}",
    response_model=AgentState,
    responses=WRITE_ERROR_RESPONSES,
)
async def modify_approval(
    agent_id: AgentId,
    tool_name: Annotated[str, Path(max_length=255)],
    session: SessionDep,
    body: Annotated[ModifyApproval | None, Body()] = None,
    requires_approval: bool | None = None,
) -> AgentState:
    """Whether calls to the tool wait for the client to approve or deny them."""
    wanted = body.requires_approval if body is not None else None
    wanted = requires_approval if wanted is None else wanted
    if wanted is None:
        raise InvalidArgument(
            "requires_approval must be provided either in request body or as query parameter"
        )
    return await agent_service.set_requires_approval(session, agent_id, tool_name, wanted)


@router.get("/{agent_id}/secrets", response_model=list[AgentSecret])
async def list_secrets(agent_id: AgentId, session: SessionDep) -> list[AgentSecret]:
    return await agent_service.list_secrets(session, agent_id)


@router.get(
    "/{agent_id}/mcp-servers", response_model=list[McpServer], response_model_exclude_none=True
)
async def list_agent_mcp_servers(
    agent_id: AgentId, session: SessionDep, mcp: McpDep
) -> list[McpServer]:
    """The MCP servers whose tools the agent has attached (Letta Code reads it at startup)."""
    return await mcp_service.agent_servers(session, mcp, agent_id)


# A read Letta Code makes when it starts, for what only Letta Cloud has (git repositories):
# an honest empty answer, not a 404.
@router.get("/{agent_id}/repositories", response_model=AgentRepositories)
async def list_agent_repositories(agent_id: AgentId, session: SessionDep) -> AgentRepositories:
    await agent_service.get_agent(session, agent_id)
    return AgentRepositories(repositories=[])
