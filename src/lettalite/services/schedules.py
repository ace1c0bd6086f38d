"""Scheduled messages: create, list, retrieve and delete; when each fires next.

Times are Unix milliseconds (Letta's `scheduled_at`); cron expressions are read in UTC.
"""

import time
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.callback_destination import CallbackPolicy
from lettalite.db import agents as agent_queries
from lettalite.db import schedules as schedule_queries
from lettalite.db.pagination import Page
from lettalite.db.server_models import ScheduledMessageRow
from lettalite.errors import InvalidArgument
from lettalite.ids import new_id
from lettalite.schemas.schedule import (
    OneTimeSchedule,
    RecurringSchedule,
    ScheduleCreate,
    ScheduleCreateResponse,
    ScheduleDeleted,
    ScheduledMessage,
    ScheduledMessageRequest,
    ScheduleList,
)
from lettalite.services.turns import refuse_disallowed_callback

CRON_FIELDS = (5, 6)  # minute hour day month weekday, with seconds first when six


def now_ms() -> int:
    return int(time.time() * 1000)


def next_occurrence_ms(cron_expression: str, after_ms: int) -> int:
    """The first time the cron expression names strictly after `after_ms`."""
    from croniter import croniter  # only schedules need it; kept off startup

    start = datetime.fromtimestamp(after_ms / 1000, UTC)
    seconds_first = len(cron_expression.split()) == 6
    return int(
        croniter(cron_expression, start, second_at_beginning=seconds_first).get_next() * 1000
    )


def check_cron(cron_expression: str) -> None:
    from croniter import croniter

    fields = len(cron_expression.split())
    seconds_first = fields == 6
    if fields not in CRON_FIELDS or not croniter.is_valid(
        cron_expression, second_at_beginning=seconds_first
    ):
        raise InvalidArgument(
            f"schedule.cron_expression: {cron_expression!r} is not a cron expression (5 fields: "
            "minute hour day-of-month month day-of-week, or 6 with seconds first)"
        )


def first_run_ms(schedule: OneTimeSchedule | RecurringSchedule) -> int:
    now = now_ms()
    if isinstance(schedule, RecurringSchedule):
        check_cron(schedule.cron_expression)
        return next_occurrence_ms(schedule.cron_expression, now)
    at = int(schedule.scheduled_at)
    if at <= now:
        raise InvalidArgument(
            f"schedule.scheduled_at: {at} is not in the future (it is Unix time in "
            f"milliseconds; now is {now})"
        )
    return at


def iso_time(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


async def create_schedule(
    session: AsyncSession, policy: CallbackPolicy, agent_id: str, body: ScheduleCreate
) -> ScheduleCreateResponse:
    await agent_queries.get_agent_row(session, agent_id)
    next_run = first_run_ms(body.schedule)
    if body.callback_url is not None:
        await refuse_disallowed_callback(body.callback_url, policy)
    one_time = isinstance(body.schedule, OneTimeSchedule)
    row = ScheduledMessageRow(
        id=new_id("scheduled_message"),
        agent_id=agent_id,
        request={
            "messages": [m.model_dump(mode="json", exclude_none=True) for m in body.messages],
            "max_steps": body.max_steps,
            "callback_url": body.callback_url,
            "include_return_message_types": body.include_return_message_types,
        },
        scheduled_at_ms=next_run if one_time else None,
        cron_expression=None if one_time else body.schedule.cron_expression,
        next_run_ms=next_run,
    )
    session.add(row)
    return ScheduleCreateResponse(id=row.id, next_scheduled_at=iso_time(next_run))


def render(row: ScheduledMessageRow) -> ScheduledMessage:
    schedule: OneTimeSchedule | RecurringSchedule
    if row.cron_expression is not None:
        schedule = RecurringSchedule(type="recurring", cron_expression=row.cron_expression)
    else:
        schedule = OneTimeSchedule(scheduled_at=row.scheduled_at_ms or row.next_run_ms)
    return ScheduledMessage(
        id=row.id,
        agent_id=row.agent_id,
        message=ScheduledMessageRequest(**row.request),
        schedule=schedule,
        next_scheduled_time=iso_time(row.next_run_ms),
    )


async def get_schedule(session: AsyncSession, agent_id: str, schedule_id: str) -> ScheduledMessage:
    return render(await schedule_queries.get_schedule(session, agent_id, schedule_id))


async def list_schedules(
    session: AsyncSession, agent_id: str, *, after: str | None, limit: int
) -> ScheduleList:
    """Oldest first; one more row than asked for tells whether another page follows."""
    await agent_queries.get_agent_row(session, agent_id)
    page = Page(after=after, limit=limit + 1, order="asc")
    rows = await schedule_queries.list_schedules(session, agent_id, page)
    return ScheduleList(
        scheduled_messages=[render(row) for row in rows[:limit]], has_next_page=len(rows) > limit
    )


async def delete_schedule(
    session: AsyncSession, agent_id: str, schedule_id: str
) -> ScheduleDeleted:
    await session.delete(await schedule_queries.get_schedule(session, agent_id, schedule_id))
    return ScheduleDeleted()
