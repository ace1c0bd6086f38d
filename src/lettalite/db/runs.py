"""Run and step queries."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer_group

from lettalite.db import conversations
from lettalite.db.messages import MESSAGE_SORT
from lettalite.db.models import (
    TRACE_COLUMNS,
    AgentRow,
    MessageRow,
    RunRow,
    StepRow,
    TurnLeaseRow,
)
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.session import get_or_404, ids_with_tags

RUN_SORT = SortKey(RunRow.created_at, RunRow.id)
STEP_SORT = SortKey(StepRow.created_at, StepRow.id)
ACTIVE_STATUSES = ("created", "running")
# Loads a step's provider trace, which its row defers, in the step's own SELECT.
WITH_TRACE = (undefer_group(TRACE_COLUMNS),)


async def get_run(session: AsyncSession, run_id: str) -> RunRow:
    return await get_or_404(session, RunRow, run_id, "Run")


async def list_runs(
    session: AsyncSession,
    *,
    page: Page,
    agent_ids: Sequence[str] = (),
    statuses: Sequence[str] = (),
    background: bool | None = None,
    conversation_id: str | None = None,
    stop_reason: str | None = None,
) -> list[RunRow]:
    query = select(RunRow)
    if stop_reason is not None:
        query = query.where(RunRow.stop_reason == stop_reason)
    if conversation_id is not None:
        query = query.where(RunRow.conversation_id == conversation_id)
    if agent_ids:
        query = query.where(RunRow.agent_id.in_(agent_ids))
    if statuses:
        query = query.where(RunRow.status.in_(statuses))
    if background is not None:
        query = query.where(RunRow.background == background)
    return await paginate(session, query, RUN_SORT, page)


async def run_messages(session: AsyncSession, run_id: str, page: Page) -> list[MessageRow]:
    return await paginate(
        session, select(MessageRow).where(MessageRow.run_id == run_id), MESSAGE_SORT, page
    )


async def run_steps(
    session: AsyncSession, run_id: str, page: Page, *, with_trace: bool = False
) -> list[StepRow]:
    query = select(StepRow).where(StepRow.run_id == run_id)
    if with_trace:
        query = query.options(*WITH_TRACE)
    return await paginate(session, query, STEP_SORT, page)


async def latest_token_counts(session: AsyncSession, agent_id: str) -> tuple[int, int] | None:
    """(provider-reported, locally estimated) prompt tokens of the agent's latest step."""
    query = (
        select(StepRow.prompt_tokens, StepRow.estimated_prompt_tokens)
        .where(
            StepRow.agent_id == agent_id,
            StepRow.prompt_tokens > 0,
            StepRow.estimated_prompt_tokens > 0,
        )
        .order_by(StepRow.created_at.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def find_run_by_request_key(
    session: AsyncSession, agent_id: str, request_key: str, since: datetime
) -> RunRow | None:
    query = (
        select(RunRow)
        .where(
            RunRow.agent_id == agent_id,
            RunRow.request_key == request_key,
            RunRow.created_at >= since,
        )
        .order_by(RunRow.created_at.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def orphaned_runs(session: AsyncSession, now: datetime) -> list[RunRow]:
    """Active runs that no live process is running: their agent's lease is gone or expired."""
    live = select(TurnLeaseRow.run_id).where(TurnLeaseRow.expires_at > now)
    query = select(RunRow).where(RunRow.status.in_(ACTIVE_STATUSES), RunRow.id.not_in(live))
    return list(await session.scalars(query))


def _in_conversation(agent_id: str, conversation_id: str | None) -> list:
    scope = RunRow.conversation_id
    return [
        RunRow.agent_id == agent_id,
        scope.is_(None) if conversation_id is None else scope == conversation_id,
    ]


async def find_run_by_otid(
    session: AsyncSession, agent_id: str, conversation_id: str | None, otid: str
) -> RunRow | None:
    """The newest run of the conversation that a request with this first-message otid started."""
    query = (
        select(RunRow)
        .where(*_in_conversation(agent_id, conversation_id), RunRow.otid == otid)
        .order_by(RunRow.created_at.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def latest_active_run(
    session: AsyncSession, agent_id: str, conversation_id: str | None
) -> RunRow | None:
    query = (
        select(RunRow)
        .where(
            *_in_conversation(agent_id, conversation_id),
            RunRow.status.in_(ACTIVE_STATUSES),
        )
        .order_by(RunRow.created_at.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def start_run(session: AsyncSession, run_id: str) -> bool:
    """Mark the run running (one statement); whether a cancel was requested before."""
    statement = (
        update(RunRow)
        .where(RunRow.id == run_id)
        .values(status="running")
        .returning(RunRow.cancel_requested)
    )
    return bool((await session.execute(statement)).scalar_one())


async def end_run(session: AsyncSession, run_id: str, values: dict[str, Any]) -> None:
    """Record how the run ended (one statement): status, stop reason, usage, timings."""
    # Keyed by attribute: `metadata_` is stored in the column `metadata`.
    columns = {getattr(RunRow, name): value for name, value in values.items()}
    statement = update(RunRow).where(RunRow.id == run_id).values(columns)
    # No loaded run object is brought up to date: the transactions that end runs load none.
    await session.execute(statement.execution_options(synchronize_session=False))


async def fail_orphans(
    session: AsyncSession, run_ids: Sequence[str], now: datetime, error: str
) -> list[tuple[str, str, str | None]]:
    """Fail those of the runs that are still active (one statement, so of replicas sweeping
    at once only one fails each run); (id, agent_id, callback_url) of each run it failed."""
    statement = (
        update(RunRow)
        .where(RunRow.id.in_(run_ids), RunRow.status.in_(ACTIVE_STATUSES))
        .values(
            {
                RunRow.status: "failed",
                RunRow.stop_reason: "error",
                RunRow.completed_at: now,
                RunRow.metadata_: {"error": error},
            }
        )
        .returning(RunRow.id, RunRow.agent_id, RunRow.callback_url)
        .execution_options(synchronize_session=False)
    )
    rows = await session.execute(statement)
    return [(row.id, row.agent_id, row.callback_url) for row in rows]


async def claim_callback(session: AsyncSession, run_id: str, now: datetime) -> bool:
    """Claim the run's callback delivery; only one claim ever succeeds, across processes."""
    statement = (
        update(RunRow)
        .where(RunRow.id == run_id, RunRow.callback_sent_at.is_(None))
        .values(callback_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(statement)).rowcount == 1


async def record_callback(
    session: AsyncSession, run_id: str, status_code: int | None, error: str | None
) -> None:
    await session.execute(
        update(RunRow)
        .where(RunRow.id == run_id)
        .values(callback_status_code=status_code, callback_error=error)
    )


@dataclass(frozen=True)
class LastRun:
    """How a run ended, shown as its agent's (and conversation's) last run."""

    stop_reason: str
    completed_at: datetime

    def agent_values(self) -> dict[str, Any]:
        """The agent row's columns that show it."""
        return {"last_stop_reason": self.stop_reason, "last_run_completion": self.completed_at}


async def record_last_run(
    session: AsyncSession, agent_id: str, conversation_id: str | None, last_run: LastRun
) -> None:
    """Record the agent's (and conversation's) last run, where the run's last step stored
    nothing (see agents.allocate_sequences for where it did). The transaction ends after this:
    loaded rows are not updated to match (working that out cost more than the UPDATE)."""
    await session.execute(
        update(AgentRow)
        .where(AgentRow.id == agent_id)
        .values(last_run.agent_values())
        .execution_options(synchronize_session=False)
    )
    if conversation_id is not None:
        await conversations.touch(session, conversation_id, run_ended_at=last_run.completed_at)


@dataclass(frozen=True)
class StepFilter:
    """Which steps `GET /v1/steps/` lists; empty fields filter nothing."""

    agent_id: str | None = None
    model: str | None = None  # a handle (`openai/gpt-4o-mini`) or the model's own name
    start: datetime | None = None
    end: datetime | None = None
    feedback: str | None = None
    has_feedback: bool | None = None
    tags: Sequence[str] = ()

    def apply(self, query: Select[Any]) -> Select[Any]:
        conditions = []
        if self.agent_id is not None:
            conditions.append(StepRow.agent_id == self.agent_id)
        if self.model is not None:
            conditions.append(
                or_(
                    StepRow.model == self.model,
                    StepRow.model.endswith(f"/{self.model}", autoescape=True),
                )
            )
        if self.start is not None:
            conditions.append(StepRow.created_at >= self.start)
        if self.end is not None:
            conditions.append(StepRow.created_at <= self.end)
        if self.feedback is not None:
            conditions.append(StepRow.feedback == self.feedback)
        if self.has_feedback is not None:
            known = StepRow.feedback.is_not(None)
            conditions.append(known if self.has_feedback else ~known)
        return query.where(*conditions)


async def list_steps(session: AsyncSession, page: Page, where: StepFilter) -> list[StepRow]:
    query = where.apply(select(StepRow))
    if where.tags:
        wanted = set(where.tags)
        tagged = await ids_with_tags(
            session, StepRow.id, StepRow.tags, lambda tags: bool(wanted.intersection(tags))
        )
        query = query.where(StepRow.id.in_(tagged))
    return await paginate(session, query, STEP_SORT, page)


async def get_step(session: AsyncSession, step_id: str, *, with_trace: bool = False) -> StepRow:
    return await get_or_404(session, StepRow, step_id, "Step", WITH_TRACE if with_trace else ())


async def step_messages(session: AsyncSession, step_id: str, page: Page) -> list[MessageRow]:
    query = select(MessageRow).where(MessageRow.step_id == step_id)
    return await paginate(session, query, MESSAGE_SORT, page)
