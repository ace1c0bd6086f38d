"""An agent's archival memory: passages, listed, added, searched and deleted."""

from typing import Annotated, Literal

from fastapi import Depends, Query

from lettalite.api.deps import (
    MAX_PAGE_SIZE,
    AgentId,
    Cursor,
    ModelClientsDep,
    PassageId,
    SessionDep,
)
from lettalite.api.errors import TURN_ERROR_RESPONSES
from lettalite.api.routing import api_router
from lettalite.db.pagination import Page
from lettalite.errors import InvalidArgument
from lettalite.schemas.common import InputTime
from lettalite.schemas.passage import (
    CreatePassage,
    DeletedPassage,
    Passage,
    PassageSearchResponse,
)
from lettalite.services import archival as archival_service
from lettalite.tools import ArchiveQuery
from lettalite.tools.archival import DEFAULT_TOP_K, MAX_TAG_LENGTH, MAX_TAGS

router = api_router(prefix="/v1/agents/{agent_id}/archival-memory", tags=["archival-memory"])
MAX_TOP_K = 1000
# Inserting and searching may call the embedding model, which can fail like any provider.
EMBEDDING_ERROR_RESPONSES = {code: TURN_ERROR_RESPONSES[code] for code in (400, 502)}


async def _passage_page(
    after: Cursor = None,
    before: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    ascending: Annotated[bool, Query(description="Oldest first (default) or newest first")] = True,
) -> Page:
    return Page(after=after, before=before, limit=limit, order="asc" if ascending else "desc")


@router.get("", response_model=list[Passage])
async def list_passages(
    agent_id: AgentId,
    session: SessionDep,
    page: Annotated[Page, Depends(_passage_page)],
    search: Annotated[str | None, Query(max_length=10_000)] = None,
) -> list[Passage]:
    return await archival_service.list_passages(session, agent_id, page, search)


@router.post("", response_model=list[Passage], responses=EMBEDDING_ERROR_RESPONSES)
async def create_passage(
    agent_id: AgentId, body: CreatePassage, session: SessionDep, clients: ModelClientsDep
) -> list[Passage]:
    return await archival_service.create_passage(session, agent_id, body, clients)


@router.get("/search", response_model=PassageSearchResponse, responses=EMBEDDING_ERROR_RESPONSES)
async def search_passages(
    agent_id: AgentId,
    session: SessionDep,
    clients: ModelClientsDep,
    query: Annotated[str, Query(max_length=10_000, description="What to look for")],
    tags: Annotated[
        list[Annotated[str, Query(min_length=1, max_length=MAX_TAG_LENGTH)]] | None,
        Query(max_length=MAX_TAGS),
    ] = None,
    tag_match_mode: Literal["any", "all"] = "any",
    top_k: Annotated[int | None, Query(ge=1, le=MAX_TOP_K)] = None,
    start_datetime: InputTime | None = None,
    end_datetime: InputTime | None = None,
) -> PassageSearchResponse:
    if start_datetime and end_datetime and start_datetime > end_datetime:
        raise InvalidArgument("start_datetime is after end_datetime: the window would be empty")
    archive_query = ArchiveQuery(
        query=query,
        tags=tuple(tags or ()),
        match_all_tags=tag_match_mode == "all",
        top_k=top_k or DEFAULT_TOP_K,
        start=start_datetime,
        end=end_datetime,
    )
    return await archival_service.search_passages(session, agent_id, archive_query, clients)


@router.delete("/{memory_id}", response_model=DeletedPassage)
async def delete_passage(
    agent_id: AgentId, memory_id: PassageId, session: SessionDep
) -> DeletedPassage:
    return await archival_service.delete_passage(session, agent_id, memory_id)
