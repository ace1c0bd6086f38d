"""Step operations: listing and reading steps, their messages, timings and provider traces,
and recording feedback on them."""

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.render import letta_messages
from lettalite.db import runs as run_queries
from lettalite.db.models import StepRow
from lettalite.db.pagination import Page
from lettalite.db.runs import StepFilter
from lettalite.schemas.message import LettaMessage
from lettalite.schemas.run import FeedbackUpdate, ProviderTrace, Step, StepMetrics
from lettalite.services.runs import step_model


def trace_model(step: StepRow) -> ProviderTrace | None:
    """The step's provider trace (its deferred columns loaded); None for a step stored before
    lettalite kept traces. Written in the step's transaction, it has the step's time."""
    if step.request_json is None or step.response_json is None:
        return None
    return ProviderTrace(
        id=f"provider_trace-{step.id.removeprefix('step-')}",
        step_id=step.id,
        run_id=step.run_id,
        agent_id=step.agent_id,
        request_json=step.request_json,
        response_json=step.response_json,
        latency_ms=None if step.llm_duration_ns is None else step.llm_duration_ns // 1_000_000,
        created_at=step.created_at,
    )


async def list_steps(session: AsyncSession, page: Page, where: StepFilter) -> list[Step]:
    return [step_model(row) for row in await run_queries.list_steps(session, page, where)]


async def get_step(session: AsyncSession, step_id: str) -> Step:
    return step_model(await run_queries.get_step(session, step_id))


async def step_messages(session: AsyncSession, step_id: str, page: Page) -> list[LettaMessage]:
    await run_queries.get_step(session, step_id)
    rows = await run_queries.step_messages(session, step_id, page)
    return [message for row in rows for message in letta_messages(row)]


async def step_metrics(session: AsyncSession, step_id: str) -> StepMetrics:
    step = await run_queries.get_step(session, step_id)
    return StepMetrics(
        id=step.id, run_id=step.run_id, agent_id=step.agent_id, llm_request_ns=step.llm_duration_ns
    )


async def step_trace(session: AsyncSession, step_id: str) -> ProviderTrace | None:
    """The step's trace; None for a step stored before lettalite kept traces."""
    return trace_model(await run_queries.get_step(session, step_id, with_trace=True))


async def run_traces(session: AsyncSession, run_id: str, limit: int) -> list[ProviderTrace]:
    """The provider traces of the run's steps, in step order."""
    await run_queries.get_run(session, run_id)
    page = Page(limit=limit, order="asc")
    steps = await run_queries.run_steps(session, run_id, page, with_trace=True)
    return [trace for step in steps if (trace := trace_model(step)) is not None]


async def update_feedback(session: AsyncSession, step_id: str, update: FeedbackUpdate) -> Step:
    step = await run_queries.get_step(session, step_id)
    if "feedback" in update.model_fields_set:
        step.feedback = update.feedback
    if "tags" in update.model_fields_set:
        step.tags = list(dict.fromkeys(update.tags or ()))
    await session.flush()
    return step_model(step)
