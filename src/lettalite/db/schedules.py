"""Scheduled message queries, and the conditional writes that claim an occurrence."""

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.server_models import ScheduledMessageRow
from lettalite.errors import NotFound

SCHEDULE_SORT = SortKey(ScheduledMessageRow.created_at, ScheduledMessageRow.id)


async def get_schedule(
    session: AsyncSession, agent_id: str, schedule_id: str
) -> ScheduledMessageRow:
    schedule = await session.get(ScheduledMessageRow, schedule_id)
    if schedule is None or schedule.agent_id != agent_id:
        raise NotFound(f"Scheduled message {schedule_id} not found for agent {agent_id}")
    return schedule


async def list_schedules(
    session: AsyncSession, agent_id: str, page: Page
) -> list[ScheduledMessageRow]:
    query = select(ScheduledMessageRow).where(ScheduledMessageRow.agent_id == agent_id)
    return await paginate(session, query, SCHEDULE_SORT, page)


async def due_schedules(
    session: AsyncSession, until_ms: int, limit: int
) -> list[ScheduledMessageRow]:
    """The schedules due by `until_ms`, soonest first."""
    query = select(ScheduledMessageRow).where(ScheduledMessageRow.next_run_ms <= until_ms)
    return list(await session.scalars(query.order_by(ScheduledMessageRow.next_run_ms).limit(limit)))


async def claim_occurrence(
    session: AsyncSession, schedule_id: str, seen_ms: int, next_ms: int | None
) -> bool:
    """Take the occurrence due at `seen_ms`: move the schedule on to `next_ms`, or delete it
    when there is no next one. Only one of the replicas that saw `seen_ms` succeeds."""
    row = ScheduledMessageRow
    matches = (row.id == schedule_id, row.next_run_ms == seen_ms)
    if next_ms is None:
        statement = delete(row).where(*matches)
    else:
        statement = update(row).where(*matches).values(next_run_ms=next_ms)
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount == 1
