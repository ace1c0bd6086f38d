"""Archives: CRUD, their passages, attaching them to agents, and searching passages across
archives (`client.archives`, `client.agents.archives`, `client.passages.search`)."""

from typing import Annotated, Literal

from fastapi import Depends, Response

from lettalite.api.archival import EMBEDDING_ERROR_RESPONSES
from lettalite.api.deps import (
    AgentId,
    ArchiveId,
    ModelClientsDep,
    PassageId,
    SessionDep,
    page_params,
)
from lettalite.api.errors import WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router, collection_route
from lettalite.db.pagination import Page
from lettalite.schemas.agent import AgentState
from lettalite.schemas.archive import (
    Archive,
    CreateArchive,
    CreateArchivePassage,
    CreateArchivePassages,
    ScoredPassage,
    SearchPassages,
    UpdateArchive,
)
from lettalite.schemas.passage import Passage
from lettalite.services import archives as archive_service

router = api_router(tags=["archives"])
ARCHIVES = "/v1/archives"
ArchivePage = Annotated[Page, Depends(page_params("desc", 50))]


@collection_route(router, "POST", ARCHIVES, response_model=Archive, responses=WRITE_ERROR_RESPONSES)
async def create_archive(body: CreateArchive, session: SessionDep) -> Archive:
    return await archive_service.create_archive(session, body)


@collection_route(router, "GET", ARCHIVES, response_model=list[Archive])
async def list_archives(
    session: SessionDep,
    page: ArchivePage,
    name: str | None = None,
    agent_id: str | None = None,
    order_by: Literal["created_at"] = "created_at",
) -> list[Archive]:
    return await archive_service.list_archives(session, page, name=name, agent_id=agent_id)


@router.get(f"{ARCHIVES}/{{archive_id}}", response_model=Archive)
async def get_archive(archive_id: ArchiveId, session: SessionDep) -> Archive:
    return await archive_service.get_archive(session, archive_id)


@router.patch(f"{ARCHIVES}/{{archive_id}}", response_model=Archive)
async def update_archive(
    archive_id: ArchiveId, body: UpdateArchive, session: SessionDep
) -> Archive:
    return await archive_service.update_archive(session, archive_id, body)


@router.delete(f"{ARCHIVES}/{{archive_id}}", status_code=204, response_class=Response)
async def delete_archive(archive_id: ArchiveId, session: SessionDep) -> Response:
    await archive_service.delete_archive(session, archive_id)
    return Response(status_code=204)


@router.get(f"{ARCHIVES}/{{archive_id}}/agents", response_model=list[AgentState])
async def list_archive_agents(
    archive_id: ArchiveId, session: SessionDep, page: ArchivePage
) -> list[AgentState]:
    return await archive_service.list_archive_agents(session, archive_id, page)


@router.post(
    f"{ARCHIVES}/{{archive_id}}/passages",
    response_model=Passage,
    responses=EMBEDDING_ERROR_RESPONSES,
)
async def create_passage(
    archive_id: ArchiveId, body: CreateArchivePassage, session: SessionDep, clients: ModelClientsDep
) -> Passage:
    [passage] = await archive_service.create_passages(session, archive_id, [body], clients)
    return passage


@router.post(
    f"{ARCHIVES}/{{archive_id}}/passages/batch",
    response_model=list[Passage],
    responses=EMBEDDING_ERROR_RESPONSES,
)
async def create_passages(
    archive_id: ArchiveId,
    body: CreateArchivePassages,
    session: SessionDep,
    clients: ModelClientsDep,
) -> list[Passage]:
    return await archive_service.create_passages(session, archive_id, body.passages, clients)


@router.delete(
    f"{ARCHIVES}/{{archive_id}}/passages/{{passage_id}}", status_code=204, response_class=Response
)
async def delete_passage(
    archive_id: ArchiveId, passage_id: PassageId, session: SessionDep
) -> Response:
    await archive_service.delete_passage(session, archive_id, passage_id)
    return Response(status_code=204)


@router.patch("/v1/agents/{agent_id}/archives/attach/{archive_id}", response_model=None)
async def attach_archive(agent_id: AgentId, archive_id: ArchiveId, session: SessionDep) -> None:
    await archive_service.attach(session, agent_id, archive_id)


@router.patch("/v1/agents/{agent_id}/archives/detach/{archive_id}", response_model=None)
async def detach_archive(agent_id: AgentId, archive_id: ArchiveId, session: SessionDep) -> None:
    await archive_service.detach(session, agent_id, archive_id)


@router.post(
    "/v1/passages/search", response_model=list[ScoredPassage], responses=EMBEDDING_ERROR_RESPONSES
)
async def search_passages(
    body: SearchPassages, session: SessionDep, clients: ModelClientsDep
) -> list[ScoredPassage]:
    return await archive_service.search(session, body, clients)
