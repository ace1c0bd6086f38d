"""Sending messages to an agent (JSON, streamed, background), cancelling, and history."""

from contextvars import Token
from typing import Annotated

from fastapi import Body, Depends, Header, Query, Response
from sse_starlette import EventSourceResponse

from lettalite.agent.conversation import ConversationRef
from lettalite.agent.run_handle import RunHandle
from lettalite.agent.runs import RunManager
from lettalite.api.deps import (
    AgentId,
    ConversationFilter,
    RunsDep,
    SessionDep,
    page_params,
)
from lettalite.api.errors import TURN_ERROR_RESPONSES
from lettalite.api.routing import api_router
from lettalite.config import get_settings
from lettalite.db.pagination import Page
from lettalite.db.session import statement_count
from lettalite.schemas.agent import AgentState
from lettalite.schemas.common import RequestModel
from lettalite.schemas.message import (
    CancelRequest,
    LettaAsyncRequest,
    LettaMessage,
    LettaResponse,
    LettaStreamingRequest,
    LettaStreamRouteRequest,
    MessageType,
)
from lettalite.schemas.run import Run
from lettalite.services import messages as message_service
from lettalite.services import runs as run_service
from lettalite.services import turns as turn_service
from lettalite.services.turns import TurnOutcome

router = api_router(prefix="/v1/agents/{agent_id}", tags=["messages"])
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


# The SDKs re-send a request after a timeout or a 5xx and count the attempts in this header.
RetryCount = Annotated[int, Header(alias="x-stainless-retry-count", ge=0)]


async def start_turn(
    where: ConversationRef,
    body: LettaStreamingRequest,
    runs: RunManager,
    retry_count: int,
) -> RunHandle:
    return await turn_service.start_run(
        runs,
        where,
        body,
        is_resend=retry_count > 0,
        stream_tokens=body.stream_tokens,
        background=body.background and body.streaming,
    )


async def respond(
    handle: RunHandle,
    body: LettaStreamingRequest,
    response: Response,
    statements: Token[list[int] | None],
    *,
    structured_errors: bool,
) -> LettaResponse | EventSourceResponse:
    """A started turn as its send's answer: the stream, or the JSON once the turn ends."""
    if body.streaming:
        return stream_response(handle, body)
    outcome = await turn_service.await_response(handle, body, structured_errors=structured_errors)
    response.headers["Server-Timing"] = server_timing(outcome, statements)
    return outcome.response


def server_timing(outcome: TurnOutcome, statements: Token[list[int] | None]) -> str:
    """Lets clients (and bench/) tell the model's time from the server's own, and see how many
    SQL statements the request made (the turn's included)."""
    counted = statement_count.get() or [0]
    statement_count.reset(statements)
    return f'llm;dur={outcome.llm_seconds * 1000:.1f}, sql;desc="{counted[0]} statements"'


def sse_response(
    handle: RunHandle,
    *,
    include_pings: bool,
    starting_after: int = 0,
    wanted: list[str] | None = None,
) -> EventSourceResponse:
    """A run's events as a `text/event-stream` response (whatever the Accept header says)."""
    frames = turn_service.sse_frames(
        handle,
        include_pings=include_pings,
        keepalive_seconds=get_settings().stream_keepalive_seconds,
        starting_after=starting_after,
        wanted=wanted,
    )
    return EventSourceResponse(frames, headers=SSE_HEADERS, sep="\n")


def stream_response(handle: RunHandle, body: LettaStreamingRequest) -> EventSourceResponse:
    return sse_response(
        handle, include_pings=body.include_pings, wanted=body.include_return_message_types
    )


@router.post(
    "/messages",
    response_model=LettaResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **TURN_ERROR_RESPONSES},
)
async def send_message(
    agent_id: AgentId,
    body: LettaStreamingRequest,
    runs: RunsDep,
    response: Response,
    retry_count: RetryCount = 0,
) -> LettaResponse | EventSourceResponse:
    statements = statement_count.set([0])
    handle = await start_turn(ConversationRef(agent_id), body, runs, retry_count)
    return await respond(handle, body, response, statements, structured_errors=True)


@router.post(
    "/messages/stream",
    responses={200: {"content": {"text/event-stream": {}}}, **TURN_ERROR_RESPONSES},
)
async def stream_message(
    agent_id: AgentId,
    body: LettaStreamRouteRequest,
    runs: RunsDep,
    retry_count: RetryCount = 0,
) -> EventSourceResponse:
    handle = await start_turn(ConversationRef(agent_id), body, runs, retry_count)
    return stream_response(handle, body)


@router.post("/messages/async", response_model=Run, responses=TURN_ERROR_RESPONSES)
async def send_message_async(
    agent_id: AgentId,
    body: LettaAsyncRequest,
    runs: RunsDep,
    session: SessionDep,
    retry_count: RetryCount = 0,
) -> Run:
    handle = await turn_service.start_run(
        runs,
        ConversationRef(agent_id),
        body,
        is_resend=retry_count > 0,
        background=True,
        queued=True,
        callback_url=body.callback_url,
    )
    return await run_service.get_run(session, handle.run_id)


@router.post("/messages/cancel")
async def cancel_messages(
    agent_id: AgentId,
    session: SessionDep,
    runs: RunsDep,
    body: Annotated[CancelRequest | None, Body()] = None,
) -> dict[str, str]:
    return await run_service.cancel_runs(session, runs, agent_id, body.run_ids if body else None)


@router.get("/messages", response_model=list[LettaMessage])
async def list_messages(
    agent_id: AgentId,
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("desc", 100))],
    include_return_message_types: Annotated[list[MessageType] | None, Query()] = None,
    conversation_id: ConversationFilter = None,
) -> list[LettaMessage]:
    return await message_service.list_messages(
        session,
        agent_id,
        page=page,
        conversation_id=conversation_id,
        include_types=include_return_message_types,
    )


class ResetMessages(RequestModel):
    add_default_initial_messages: bool = False


@router.patch("/reset-messages", response_model=AgentState)
async def reset_messages(
    agent_id: AgentId, session: SessionDep, body: Annotated[ResetMessages | None, Body()] = None
) -> AgentState:
    return await message_service.reset_messages(session, agent_id)
