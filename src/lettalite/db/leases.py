"""Turn leases: at most one running turn per conversation, across every process on the
database. A lease is keyed by the conversation's id (the agent's id for its default one)."""

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
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
    """Take the lease if it is free or expired, in one atomic statement. Raises
    IntegrityError if the agent is gone."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    values = {"agent_id": agent_id, "run_id": run_id, "expires_at": expires_at}
    statement = (
        insert(TurnLeaseRow)
        .values(lock_key=key, **values)
        .on_conflict_do_update(
            index_elements=[TurnLeaseRow.lock_key],
            set_=values,
            where=TurnLeaseRow.expires_at <= now,
        )
        .returning(TurnLeaseRow.run_id)
    )
    return (await session.execute(statement)).scalar_one_or_none() == run_id


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
        delete(TurnLeaseRow)
        .where(TurnLeaseRow.lock_key == key, TurnLeaseRow.run_id == run_id)
        .execution_options(synchronize_session=False)  # never loaded as objects
    )
