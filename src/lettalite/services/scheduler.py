"""The server's scheduler: fires due scheduled messages as background runs.

Every replica polls the same table. Each occurrence is claimed with a conditional write on
`next_run_ms` (the value the replica saw), which only one replica can win on SQLite and
PostgreSQL alike; the winner then starts the run. A replica that dies between its claim and
starting the run loses that occurrence (at most once, never twice).
"""

import logging

from lettalite.agent.conversation import ConversationRef
from lettalite.agent.runs import RunManager
from lettalite.db import schedules as schedule_queries
from lettalite.db.server_models import ScheduledMessageRow
from lettalite.db.session import Database
from lettalite.errors import LettaliteError
from lettalite.schemas.message import LettaRequest, MessageCreate
from lettalite.services import turns as turn_service
from lettalite.services.schedules import iso_time, next_occurrence_ms, now_ms

logger = logging.getLogger("lettalite.scheduler")
# The longest the scheduler sleeps between looks, so how late a due message can fire (it
# sleeps exactly until a time it already saw coming). A look is one indexed query.
POLL_SECONDS = 0.25
BATCH = 100
RETRY_SECONDS = 1.0  # after a failed look (the database is unavailable, say)


class Scheduler:
    def __init__(self, database: Database, runs: RunManager) -> None:
        self._database = database
        self._runs = runs

    async def fire_due(self) -> float:
        """Fire what is due now; how many seconds to sleep before looking again (until the
        next schedule when it is due sooner than the poll interval)."""
        now = now_ms()
        horizon = now + int(POLL_SECONDS * 1000)
        async with self._database.session() as session:
            due = await schedule_queries.due_schedules(session, horizon, BATCH)
        upcoming = [row.next_run_ms for row in due if row.next_run_ms > now]
        for row in due:
            if row.next_run_ms <= now and await self._claim(row, now):
                await self._fire(row, occurrence_ms=row.next_run_ms)
        return (min(upcoming) - now) / 1000 if upcoming else POLL_SECONDS

    async def _claim(self, row: ScheduledMessageRow, now: int) -> bool:
        # A recurring schedule moves on to its first occurrence after now: occurrences missed
        # while no server ran are not fired in a burst.
        following = None
        if row.cron_expression is not None:
            following = next_occurrence_ms(row.cron_expression, now)
        async with self._database.session() as session:
            return await schedule_queries.claim_occurrence(
                session, row.id, row.next_run_ms, following
            )

    async def _fire(self, row: ScheduledMessageRow, *, occurrence_ms: int) -> None:
        stored = row.request
        request = LettaRequest(
            # Not the otids: each occurrence is a new send, not a re-send of the first.
            messages=[
                MessageCreate(role=m["role"], content=m["content"], name=m.get("name"))
                for m in stored["messages"]
            ],
            max_steps=stored["max_steps"],
            include_return_message_types=stored["include_return_message_types"],
        )
        try:
            handle = await turn_service.start_run(
                self._runs,
                ConversationRef(row.agent_id),
                request,
                is_resend=False,
                background=True,
                queued=True,
                callback_url=stored["callback_url"],
                metadata={
                    "scheduled_message_id": row.id,
                    "scheduled_time": iso_time(occurrence_ms),
                },
            )
        except LettaliteError as error:  # e.g. its callback is no longer allowed
            logger.warning("Scheduled message %s was not sent: %s", row.id, error.detail)
            return
        logger.info("Scheduled message %s started run %s", row.id, handle.run_id)
