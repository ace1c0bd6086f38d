"""Run operations: reading runs, their messages, steps and usage, and cancelling them."""

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.render import letta_messages
from lettalite.agent.runs import RunManager
from lettalite.db import agents as agent_queries
from lettalite.db import runs as run_queries
from lettalite.db.models import RunRow, StepRow
from lettalite.db.pagination import Page
from lettalite.schemas.message import LettaMessage
from lettalite.schemas.run import Run, RunUsage, Step


def run_model(run: RunRow) -> Run:
    return Run(
        id=run.id,
        agent_id=run.agent_id,
        conversation_id=run.conversation_id,
        status=run.status,
        stop_reason=run.stop_reason,
        background=run.background,
        metadata=run.metadata_,
        request_config=run.request_config,
        callback_url=run.callback_url,
        callback_sent_at=run.callback_sent_at,
        callback_status_code=run.callback_status_code,
        callback_error=run.callback_error,
        ttft_ns=run.ttft_ns,
        total_duration_ns=run.total_duration_ns,
        created_at=run.created_at,
        completed_at=run.completed_at,
    )


def step_model(step: StepRow) -> Step:
    provider = step.model.partition("/")[0]
    return Step(
        id=step.id,
        run_id=step.run_id,
        agent_id=step.agent_id,
        model=step.model.partition("/")[2],
        model_handle=step.model,
        provider_name=provider,
        finish_reason=step.finish_reason,
        prompt_tokens=step.prompt_tokens,
        completion_tokens=step.completion_tokens,
        total_tokens=step.prompt_tokens + step.completion_tokens,
        feedback=step.feedback,
        tags=step.tags or [],
        created_at=step.created_at,
    )


async def get_run(session: AsyncSession, run_id: str) -> Run:
    return run_model(await run_queries.get_run(session, run_id))


async def list_runs(
    session: AsyncSession,
    *,
    page: Page,
    agent_ids: list[str],
    statuses: list[str],
    active: bool,
    background: bool | None,
    conversation_id: str | None = None,
    stop_reason: str | None = None,
) -> list[Run]:
    if active:
        statuses = [s for s in statuses if s in run_queries.ACTIVE_STATUSES] or list(
            run_queries.ACTIVE_STATUSES
        )
    rows = await run_queries.list_runs(
        session,
        page=page,
        agent_ids=agent_ids,
        statuses=statuses,
        background=background,
        conversation_id=conversation_id,
        stop_reason=stop_reason,
    )
    return [run_model(row) for row in rows]


async def run_messages(session: AsyncSession, run_id: str, page: Page) -> list[LettaMessage]:
    await run_queries.get_run(session, run_id)
    rows = await run_queries.run_messages(session, run_id, page)
    return [message for row in rows for message in letta_messages(row)]


async def run_steps(session: AsyncSession, run_id: str, page: Page) -> list[Step]:
    await run_queries.get_run(session, run_id)
    return [step_model(step) for step in await run_queries.run_steps(session, run_id, page)]


async def run_usage(session: AsyncSession, run_id: str) -> RunUsage:
    run = await run_queries.get_run(session, run_id)
    usage = run.usage or {}
    return RunUsage(
        prompt_tokens=usage.get("prompt_tokens", 0),
        completion_tokens=usage.get("completion_tokens", 0),
        total_tokens=usage.get("total_tokens", 0),
    )


async def cancel_runs(
    session: AsyncSession, manager: RunManager, agent_id: str, run_ids: list[str] | None
) -> dict[str, str]:
    """Cancel the agent's running turns (or just `run_ids`); maps each run to its outcome."""
    await agent_queries.get_agent(session, agent_id)
    return await manager.cancel(agent_id, run_ids)
