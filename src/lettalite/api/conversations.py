"""Conversations: an agent's named threads with their own history, and its default one.

Routes that act on one conversation accept `default` (with the agent's id in the body or
query, as Letta has it), a `conv-…` id, or an `agent-…` id (Letta's older form).
"""

from typing import Annotated, Any, Literal

from fastapi import Body, Depends, Path, Query, Response
from fastapi.responses import PlainTextResponse
from sse_starlette import EventSourceResponse

from lettalite.api.deps import (
    ConversationId,
    DatabaseDep,
    RunsDep,
    SessionDep,
    page_params,
)
from lettalite.api.errors import TURN_ERROR_RESPONSES, WRITE_ERROR_RESPONSES
from lettalite.api.messages import (
    RetryCount,
    respond,
    sse_response,
    start_turn,
)
from lettalite.api.routing import api_router, collection_route
from lettalite.db.pagination import Page
from lettalite.db.session import statement_count
from lettalite.ids import UUID4_PATTERN
from lettalite.schemas.context import CompactionResponse
from lettalite.schemas.conversation import (
    Conversation,
    ConversationCompactionRequest,
    ConversationMessageRequest,
    CreateConversation,
    RetrieveStreamRequest,
    UpdateConversation,
)
from lettalite.schemas.message import LettaMessage, LettaResponse, MessageType
from lettalite.services import context as context_service
from lettalite.services import conversations as conversation_service
from lettalite.services import turns as turn_service

router = api_router(prefix="/v1/conversations", tags=["conversations"])
STREAM_RESPONSE = {200: {"content": {"text/event-stream": {}}}}

# `default`, a conversation id, or an agent id.
ConversationPath = Annotated[
    str,
    Path(
        pattern=f"^(default|conv-{UUID4_PATTERN}|agent-{UUID4_PATTERN})$",
        description="`default` (with `agent_id`), `conv-<uuid4>`, or `agent-<uuid4>`",
    ),
]
AgentIdQuery = Annotated[str | None, Query(max_length=128)]


@collection_route(router, "POST", response_model=Conversation, responses=WRITE_ERROR_RESPONSES)
async def create_conversation(
    agent_id: Annotated[str, Query(max_length=128)],
    session: SessionDep,
    body: Annotated[CreateConversation | None, Body()] = None,
) -> Conversation:
    return await conversation_service.create_conversation(
        session, agent_id, body or CreateConversation()
    )


@collection_route(router, "GET", response_model=list[Conversation])
async def list_conversations(
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("desc", 50))],
    agent_id: AgentIdQuery = None,
    summary_search: Annotated[str | None, Query(max_length=1000)] = None,
    order_by: Literal["created_at", "last_run_completion", "last_message_at"] = "created_at",
) -> list[Conversation]:
    return await conversation_service.list_conversations(
        session, agent_id=agent_id, page=page, order_by=order_by, summary_search=summary_search
    )


@router.get("/{conversation_id}", response_model=Conversation)
async def get_conversation(conversation_id: ConversationId, session: SessionDep) -> Conversation:
    return await conversation_service.get_conversation(session, conversation_id)


@router.patch("/{conversation_id}", response_model=Conversation, responses=WRITE_ERROR_RESPONSES)
async def update_conversation(
    conversation_id: ConversationId, body: UpdateConversation, session: SessionDep
) -> Conversation:
    return await conversation_service.update_conversation(session, conversation_id, body)


@router.delete("/{conversation_id}", response_model=None, responses=WRITE_ERROR_RESPONSES)
async def delete_conversation(
    conversation_id: ConversationId, session: SessionDep, runs: RunsDep
) -> None:
    await conversation_service.delete_conversation(session, runs, conversation_id)


@router.post("/{conversation_id}/fork", response_model=Conversation)
async def fork_conversation(
    conversation_id: ConversationPath, session: SessionDep, agent_id: AgentIdQuery = None
) -> Conversation:
    where = await conversation_service.resolve(session, conversation_id, agent_id)
    return await conversation_service.fork_conversation(session, where)


@router.get("/{conversation_id}/messages", response_model=list[LettaMessage])
async def list_conversation_messages(
    conversation_id: ConversationPath,
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("desc", 100))],
    agent_id: AgentIdQuery = None,
    include_return_message_types: Annotated[list[MessageType] | None, Query()] = None,
) -> list[LettaMessage]:
    where = await conversation_service.resolve(session, conversation_id, agent_id)
    return await conversation_service.list_conversation_messages(
        session, where, page=page, include_types=include_return_message_types
    )


@router.post(
    "/{conversation_id}/messages",
    response_model=LettaResponse,
    responses={**STREAM_RESPONSE, **TURN_ERROR_RESPONSES},
)
async def send_conversation_message(
    conversation_id: ConversationPath,
    body: ConversationMessageRequest,
    database: DatabaseDep,
    runs: RunsDep,
    response: Response,
    retry_count: RetryCount = 0,
) -> LettaResponse | EventSourceResponse:
    statements = statement_count.set([0])
    where = await conversation_service.locate(database, conversation_id, body.agent_id)
    handle = await start_turn(where, body, runs, retry_count)
    return await respond(handle, body, response, statements, structured_errors=False)


@router.post("/{conversation_id}/messages/preview-raw-payload", response_model=dict[str, Any])
async def preview_model_request(
    conversation_id: ConversationPath,
    body: ConversationMessageRequest,
    database: DatabaseDep,
    runs: RunsDep,
) -> dict[str, Any]:
    where = await conversation_service.locate(database, conversation_id, body.agent_id)
    return await turn_service.preview(database, runs, where, body)


@router.post("/{conversation_id}/stream", responses=STREAM_RESPONSE)
async def resume_stream(
    conversation_id: ConversationPath,
    session: SessionDep,
    runs: RunsDep,
    body: Annotated[RetrieveStreamRequest | None, Body()] = None,
) -> EventSourceResponse:
    body = body or RetrieveStreamRequest()
    where = await conversation_service.resolve(session, conversation_id, body.agent_id)
    handle = await conversation_service.run_to_stream(session, runs, where, body)
    return sse_response(
        handle, include_pings=body.include_pings is not False, starting_after=body.starting_after
    )


@router.post("/{conversation_id}/cancel", response_model=dict[str, str])
async def cancel_conversation(
    conversation_id: ConversationPath,
    database: DatabaseDep,
    runs: RunsDep,
    agent_id: AgentIdQuery = None,
) -> dict[str, str]:
    where = await conversation_service.locate(database, conversation_id, agent_id)
    return await conversation_service.cancel(runs, where, conversation_id)


@router.post(
    "/{conversation_id}/recompile",
    response_model=None,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def recompile_conversation(
    conversation_id: ConversationPath,
    session: SessionDep,
    dry_run: bool = False,
    body: Annotated[ConversationCompactionRequest | None, Body()] = None,
) -> PlainTextResponse:
    agent_id = body.agent_id if body else None
    where = await conversation_service.resolve(session, conversation_id, agent_id)
    prompt = await conversation_service.recompile(session, where, dry_run=dry_run)
    return PlainTextResponse(prompt)


@router.post("/{conversation_id}/compact", response_model=CompactionResponse)
async def compact_conversation(
    conversation_id: ConversationPath,
    database: DatabaseDep,
    runs: RunsDep,
    body: Annotated[ConversationCompactionRequest | None, Body()] = None,
) -> CompactionResponse:
    agent_id = body.agent_id if body else None
    where = await conversation_service.locate(database, conversation_id, agent_id)
    return await context_service.summarize(database, runs, where, refuse_unchanged=True)
