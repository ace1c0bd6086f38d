"""`/v1/messages`: messages across all agents, one message by id, and full-text search."""

from typing import Annotated

from fastapi import Depends, Path, Query

from lettalite.api.deps import ConversationFilter, SessionDep, page_params
from lettalite.api.routing import api_router, collection_route
from lettalite.db.pagination import Page
from lettalite.ids import id_pattern
from lettalite.schemas.message import (
    LettaMessage,
    MessageSearchRequest,
    MessageSearchResult,
    MessageType,
)
from lettalite.services import messages as message_service

router = api_router(prefix="/v1/messages", tags=["messages"])
MessageId = Annotated[str, Path(pattern=id_pattern("message"), description="`message-<uuid4>`")]


@collection_route(router, "GET", response_model=list[LettaMessage])
async def list_all_messages(
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("desc", 100))],
    conversation_id: ConversationFilter = None,
    include_return_message_types: Annotated[list[MessageType] | None, Query()] = None,
) -> list[LettaMessage]:
    return await message_service.list_all_messages(
        session,
        page=page,
        conversation_id=conversation_id,
        include_types=include_return_message_types,
    )


@router.post("/search", response_model=list[MessageSearchResult])
async def search_messages(
    body: MessageSearchRequest, session: SessionDep
) -> list[MessageSearchResult]:
    return await message_service.search_messages(session, body)


@router.get("/{message_id}", response_model=list[LettaMessage])
async def get_message(message_id: MessageId, session: SessionDep) -> list[LettaMessage]:
    """One stored message as the Letta messages it renders to (e.g. reasoning + tool call)."""
    return await message_service.get_message(session, message_id)
