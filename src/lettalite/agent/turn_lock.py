"""At most one running turn per agent: an in-process lock, then a database lease.

The in-process lock queues this process's turns in arrival order without touching the
database; the lease (see db/leases.py) extends the guarantee to every process sharing the
database. Waiting is bounded: past the deadline the caller is told the agent is busy.
"""

import asyncio
import logging
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta

from lettalite.db import leases
from lettalite.db.base import utcnow
from lettalite.db.session import Database
from lettalite.errors import Conflict

logger = logging.getLogger("lettalite.turns")
POLL_SECONDS = (0.02, 0.05, 0.1, 0.2)


class AgentBusy(Conflict):
    """409: another turn of this agent is running and did not finish within the wait."""

    headers = {"x-should-retry": "true", "retry-after": "1"}


@dataclass
class TurnHold:
    """A held turn: release it exactly once when the turn ends."""

    agent_id: str
    run_id: str
    _lock: asyncio.Lock
    _heartbeat: asyncio.Task[None] | None = field(default=None)


class TurnLocks:
    def __init__(self, database: Database, *, wait_seconds: float, lease_seconds: float) -> None:
        self._database = database
        self._wait_seconds = wait_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def acquire(self, agent_id: str, run_id: str) -> TurnHold:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_seconds
        lock = self._locks[agent_id]
        try:
            await asyncio.wait_for(lock.acquire(), timeout=self._wait_seconds)
        except TimeoutError:
            raise self._busy(agent_id) from None
        try:
            attempt = 0
            while not await self._try_lease(agent_id, run_id):
                if loop.time() >= deadline:
                    raise self._busy(agent_id)
                await asyncio.sleep(POLL_SECONDS[min(attempt, len(POLL_SECONDS) - 1)])
                attempt += 1
        except BaseException:
            lock.release()
            raise
        hold = TurnHold(agent_id, run_id, lock)
        hold._heartbeat = asyncio.create_task(self._keep_alive(hold))
        return hold

    async def release(self, hold: TurnHold) -> None:
        if hold._heartbeat is not None:
            hold._heartbeat.cancel()
            with suppress(asyncio.CancelledError):
                await hold._heartbeat
        try:
            async with self._database.session() as session:
                await leases.release(session, agent_id=hold.agent_id, run_id=hold.run_id)
        finally:
            hold._lock.release()

    async def _try_lease(self, agent_id: str, run_id: str) -> bool:
        now = utcnow()
        async with self._database.session() as session:
            return await leases.try_acquire(
                session, agent_id=agent_id, run_id=run_id, now=now, expires_at=now + self._lease
            )

    async def _keep_alive(self, hold: TurnHold) -> None:
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            try:
                async with self._database.session() as session:
                    renewed = await leases.renew(
                        session,
                        agent_id=hold.agent_id,
                        run_id=hold.run_id,
                        expires_at=utcnow() + self._lease,
                    )
                if not renewed:
                    logger.warning("Lost the turn lease of agent %s", hold.agent_id)
            except Exception:  # a transient database error must not kill the turn
                logger.exception("Could not renew the turn lease of agent %s", hold.agent_id)

    def _busy(self, agent_id: str) -> AgentBusy:
        return AgentBusy(
            f"Agent {agent_id} is busy with another turn and it did not finish within "
            f"{self._wait_seconds:g} s; retry later"
        )
