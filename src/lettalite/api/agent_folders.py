"""Folders attached to an agent and the agent's files (`client.agents.folders`,
`client.agents.files`); attach, detach and list also under Letta's deprecated `sources`."""

from typing import Annotated, Literal

from fastapi import Depends, Query

from lettalite.api.deps import AgentId, FileId, FolderId, SessionDep, page_params
from lettalite.api.routing import api_router
from lettalite.db.pagination import Page
from lettalite.schemas.agent import AgentState
from lettalite.schemas.folder import Folder, PaginatedAgentFiles
from lettalite.services import agent_folders as agent_folder_service

router = api_router(prefix="/v1/agents/{agent_id}", tags=["agents"])
AgentPage = Annotated[Page, Depends(page_params("desc", 100))]
Cursor = Annotated[str | None, Query(max_length=128)]


async def attach_folder(agent_id: AgentId, folder_id: FolderId, session: SessionDep) -> AgentState:
    return await agent_folder_service.attach(session, agent_id, folder_id)


async def detach_folder(agent_id: AgentId, folder_id: FolderId, session: SessionDep) -> AgentState:
    return await agent_folder_service.detach(session, agent_id, folder_id)


async def list_folders(
    agent_id: AgentId,
    session: SessionDep,
    page: AgentPage,
    order_by: Literal["created_at"] = "created_at",
) -> list[Folder]:
    return await agent_folder_service.list_folders(session, agent_id, page)


for kind, shown in (("folders", True), ("sources", False)):
    router.add_api_route(
        f"/{kind}/attach/{{folder_id}}",
        attach_folder,
        methods=["PATCH"],
        response_model=AgentState,
        include_in_schema=shown,
    )
    router.add_api_route(
        f"/{kind}/detach/{{folder_id}}",
        detach_folder,
        methods=["PATCH"],
        response_model=AgentState,
        include_in_schema=shown,
    )
    router.add_api_route(
        f"/{kind}",
        list_folders,
        methods=["GET"],
        response_model=list[Folder],
        include_in_schema=shown,
    )


@router.get("/files", response_model=PaginatedAgentFiles)
async def list_files(
    agent_id: AgentId,
    session: SessionDep,
    page: AgentPage,
    cursor: Cursor = None,
    is_open: bool | None = None,
    order_by: Literal["created_at"] = "created_at",
) -> PaginatedAgentFiles:
    if cursor is not None:  # the cursor `next_cursor` gave: the same as `after`
        page = Page(after=cursor, before=page.before, limit=page.limit, order=page.order)
    return await agent_folder_service.list_files(session, agent_id, page, is_open=is_open)


@router.patch("/files/close-all", response_model=list[str])
async def close_all_files(agent_id: AgentId, session: SessionDep) -> list[str]:
    return await agent_folder_service.close_all(session, agent_id)


@router.patch("/files/{file_id}/open", response_model=list[str])
async def open_file(agent_id: AgentId, file_id: FileId, session: SessionDep) -> list[str]:
    return await agent_folder_service.open_file(session, agent_id, file_id)


@router.patch("/files/{file_id}/close", response_model=None)
async def close_file(agent_id: AgentId, file_id: FileId, session: SessionDep) -> None:
    await agent_folder_service.close_file(session, agent_id, file_id)
