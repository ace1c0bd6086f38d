"""Runs: one per turn, with their messages, steps and usage; replayable as a stream."""

from typing import Annotated

from fastapi import Depends, Path, Query
from pydantic import Field
from sse_starlette import EventSourceResponse

from lettalite.api.deps import RunsDep, SessionDep, page_params
from lettalite.api.messages import sse_response
from lettalite.api.routing import api_router, collection_route
from lettalite.db.pagination import Page
from lettalite.ids import id_pattern
from lettalite.schemas.common import RequestModel
from lettalite.schemas.message import LettaMessage, StopReasonType
from lettalite.schemas.run import ProviderTrace, Run, RunStatus, RunUsage, Step
from lettalite.services import runs as run_service
from lettalite.services import steps as step_service

router = api_router(prefix="/v1/runs", tags=["runs"])
RunId = Annotated[str, Path(pattern=id_pattern("run"), description="`run-<uuid4>`")]


@collection_route(router, "GET", response_model=list[Run])
async def list_runs(
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("desc", 50))],
    agent_id: str | None = None,
    agent_ids: Annotated[list[str] | None, Query()] = None,
    statuses: Annotated[list[RunStatus] | None, Query()] = None,
    active: bool = False,
    background: bool | None = None,
    conversation_id: Annotated[str | None, Query(max_length=128)] = None,
    stop_reason: StopReasonType | None = None,
) -> list[Run]:
    wanted_agents = [*(agent_ids or []), *([agent_id] if agent_id else [])]
    return await run_service.list_runs(
        session,
        page=page,
        agent_ids=wanted_agents,
        statuses=list(statuses or []),
        active=active,
        background=background,
        conversation_id=conversation_id,
        stop_reason=stop_reason,
    )


@router.get("/{run_id}", response_model=Run)
async def get_run(run_id: RunId, session: SessionDep) -> Run:
    return await run_service.get_run(session, run_id)


@router.get("/{run_id}/messages", response_model=list[LettaMessage])
async def list_run_messages(
    run_id: RunId, session: SessionDep, page: Annotated[Page, Depends(page_params("asc", 100))]
) -> list[LettaMessage]:
    return await run_service.run_messages(session, run_id, page)


@router.get("/{run_id}/steps", response_model=list[Step])
async def list_run_steps(
    run_id: RunId, session: SessionDep, page: Annotated[Page, Depends(page_params("asc", 100))]
) -> list[Step]:
    return await run_service.run_steps(session, run_id, page)


@router.get("/{run_id}/usage", response_model=RunUsage)
async def get_run_usage(run_id: RunId, session: SessionDep) -> RunUsage:
    return await run_service.run_usage(session, run_id)


@router.get("/{run_id}/trace", response_model=list[ProviderTrace])
async def get_run_trace(
    run_id: RunId, session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 1000
) -> list[ProviderTrace]:
    """The provider traces of the run's steps, in order (see `GET /v1/steps/{id}/trace`)."""
    return await step_service.run_traces(session, run_id, limit)


class ReplayRequest(RequestModel):
    # How many of the run's events the client already has.
    starting_after: int = Field(0, ge=0)
    include_pings: bool = True


@router.post("/{run_id}/stream", responses={200: {"content": {"text/event-stream": {}}}})
async def replay_run_stream(
    run_id: RunId, runs: RunsDep, body: ReplayRequest | None = None
) -> EventSourceResponse:
    body = body or ReplayRequest()
    handle = await runs.handle(run_id)
    return sse_response(
        handle, include_pings=body.include_pings, starting_after=body.starting_after
    )
