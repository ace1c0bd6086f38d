"""Steps: one per model call, with their messages, timings, provider traces and feedback."""

from typing import Annotated

from fastapi import Depends, Query

from lettalite.api.deps import SessionDep, StepId, page_params
from lettalite.api.routing import api_router, collection_route
from lettalite.db.pagination import Page
from lettalite.db.runs import StepFilter
from lettalite.schemas.common import InputTime, Tag
from lettalite.schemas.message import LettaMessage
from lettalite.schemas.run import Feedback, FeedbackUpdate, ProviderTrace, Step, StepMetrics
from lettalite.services import steps as step_service

router = api_router(prefix="/v1/steps", tags=["steps"])


async def step_filter(
    agent_id: Annotated[str | None, Query(max_length=128)] = None,
    model: Annotated[str | None, Query(max_length=255)] = None,
    start_date: InputTime | None = None,
    end_date: InputTime | None = None,
    feedback: Feedback | None = None,
    has_feedback: bool | None = None,
    tags: Annotated[list[Tag] | None, Query()] = None,
) -> StepFilter:
    return StepFilter(
        agent_id=agent_id,
        model=model,
        start=start_date,
        end=end_date,
        feedback=feedback,
        has_feedback=has_feedback,
        tags=tags or (),
    )


@collection_route(router, "GET", response_model=list[Step])
async def list_steps(
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("desc", 50))],
    where: Annotated[StepFilter, Depends(step_filter)],
) -> list[Step]:
    return await step_service.list_steps(session, page, where)


@router.get("/{step_id}", response_model=Step)
async def get_step(step_id: StepId, session: SessionDep) -> Step:
    return await step_service.get_step(session, step_id)


@router.get("/{step_id}/messages", response_model=list[LettaMessage])
async def list_step_messages(
    step_id: StepId, session: SessionDep, page: Annotated[Page, Depends(page_params("asc", 100))]
) -> list[LettaMessage]:
    return await step_service.step_messages(session, step_id, page)


@router.get("/{step_id}/metrics", response_model=StepMetrics)
async def get_step_metrics(step_id: StepId, session: SessionDep) -> StepMetrics:
    return await step_service.step_metrics(session, step_id)


@router.get("/{step_id}/trace", response_model=ProviderTrace | None)
async def get_step_trace(step_id: StepId, session: SessionDep) -> ProviderTrace | None:
    """The provider request and response of the step; null if none was kept."""
    return await step_service.step_trace(session, step_id)


@router.patch("/{step_id}/feedback", response_model=Step)
async def update_step_feedback(
    step_id: StepId, update: FeedbackUpdate, session: SessionDep
) -> Step:
    return await step_service.update_feedback(session, step_id, update)
