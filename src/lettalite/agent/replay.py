"""A run's events rebuilt from the database, for runs no longer (or never) in this process.

Token deltas are not stored, so a replay carries each message whole. A run still active in
another process is followed by polling until it ends.
"""

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.loop import TurnFailed
from lettalite.agent.render import letta_messages
from lettalite.agent.run_handle import RunHandle
from lettalite.db import runs as run_queries
from lettalite.db.models import RunRow
from lettalite.db.pagination import Page
from lettalite.db.session import Database
from lettalite.schemas.message import StopReason, UsageStatistics

MAX_REPLAYED_MESSAGES = 1000
POLL_SECONDS = 0.25


async def publish_stored(session: AsyncSession, handle: RunHandle, published: set[str]) -> None:
    """Publish the run's stored output messages that `published` does not hold yet."""
    page = Page(limit=MAX_REPLAYED_MESSAGES, order="asc")
    for row in await run_queries.run_messages(session, handle.run_id, page):
        if row.role in ("assistant", "tool") and row.id not in published:
            published.add(row.id)
            for message in letta_messages(row):
                handle.publish(message)


def publish_end(handle: RunHandle, run: RunRow) -> None:
    metadata = run.metadata_ or {}
    if "error" in metadata:
        handle.publish(TurnFailed(metadata.get("error_type", "error"), metadata["error"]))
    handle.publish(StopReason(stop_reason=run.stop_reason or "error"))
    handle.publish(UsageStatistics(**(run.usage or {}), run_ids=[run.id]))
    handle.finish()


async def follow_stored(database: Database, handle: RunHandle) -> None:
    """Fill `handle` from the database until the run has ended."""
    published: set[str] = set()
    while True:
        async with database.session() as session:
            run = await run_queries.get_run(session, handle.run_id)
            await publish_stored(session, handle, published)
        if run.status not in run_queries.ACTIVE_STATUSES:
            publish_end(handle, run)
            return
        await asyncio.sleep(POLL_SECONDS)
