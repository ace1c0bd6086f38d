"""Turn leases: at most one running turn per conversation, across every process on the
database. A lease is keyed by the conversation's id (the agent's id for its default one)."""

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.models import TurnLeaseRow


async def try_acquire(
    session: AsyncSession,
    *,
    key: str,
    agent_id: str,
    run_id: str,
    now: datetime,
    expires_at: datetime,
) -> bool:
    """Take the lease if it is free or expired. Both statements are atomic."""
    taken_over = await session.execute(
        update(TurnLeaseRow)
        .where(TurnLeaseRow.lock_key == key, TurnLeaseRow.expires_at <= now)
        .values(run_id=run_id, expires_at=expires_at)
    )
    if taken_over.rowcount == 1:
        return True
    try:
        async with session.begin_nested():
            await session.execute(
                insert(TurnLeaseRow).values(
                    lock_key=key, agent_id=agent_id, run_id=run_id, expires_at=expires_at
                )
            )
    except IntegrityError:
        return False  # someone else holds it (or the agent is gone)
    return True


async def holder(session: AsyncSession, key: str) -> str | None:
    """The run holding the lease, if any."""
    return await session.scalar(select(TurnLeaseRow.run_id).where(TurnLeaseRow.lock_key == key))


async def renew(session: AsyncSession, *, key: str, run_id: str, expires_at: datetime) -> bool:
    result = await session.execute(
        update(TurnLeaseRow)
        .where(TurnLeaseRow.lock_key == key, TurnLeaseRow.run_id == run_id)
        .values(expires_at=expires_at)
    )
    return result.rowcount == 1


async def release(session: AsyncSession, *, key: str, run_id: str) -> None:
    await session.execute(
        delete(TurnLeaseRow).where(TurnLeaseRow.lock_key == key, TurnLeaseRow.run_id == run_id)
    )
