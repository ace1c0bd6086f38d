"""`GET /v1/tags/`: the tags of agents and blocks."""

from typing import Annotated

from fastapi import Depends, Query

from lettalite.api.deps import SessionDep, page_params
from lettalite.api.routing import api_router, collection_route
from lettalite.db.pagination import Page
from lettalite.services import tags as tag_service

router = api_router(prefix="/v1/tags", tags=["tags"])
TagText = Annotated[str | None, Query(max_length=255)]


@collection_route(router, "GET", response_model=list[str])
async def list_tags(
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("asc", 50))],
    name: TagText = None,
    query_text: Annotated[str | None, Query(max_length=255, deprecated=True)] = None,
) -> list[str]:
    return await tag_service.list_tags(session, page, name or query_text)
