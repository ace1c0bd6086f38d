"""At most one running turn per conversation: an in-process lock, then a database lease.

The in-process lock queues this process's turns in arrival order without touching the
database; the lease (see db/leases.py) extends the guarantee to every process sharing the
database. Waiting is bounded: past the deadline the caller is told the conversation is busy,
with the run that holds it. Different conversations of one agent run in parallel.
"""

import asyncio
import logging
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.conversation import ConversationRef
from lettalite.db import leases
from lettalite.db.base import utcnow
from lettalite.db.session import Database
from lettalite.errors import Conflict

logger = logging.getLogger("lettalite.turns")


class Alongside(Protocol):
    """Work done in the transaction of the first attempt at a lease (see TurnLocks.acquire)."""

    async def before(self, session: AsyncSession) -> None:
        """Before the lease is tried (reads: no write lock is held yet)."""

    def after(self, session: AsyncSession, leased: bool) -> None:
        """Once it is known whether the lease was taken."""


async def without_lease(database: Database, alongside: Alongside) -> None:
    """Do `alongside`'s work in a transaction of its own, with no lease taken."""
    async with database.session() as session:
        await alongside.before(session)
        alongside.after(session, False)


POLL_SECONDS = (0.02, 0.05, 0.1, 0.2)


class ConversationBusy(Conflict):
    """409: another turn of this conversation is running and did not finish within the wait.

    The text and the `run_id` field are Letta's, which clients (Letta Code) look for.
    """

    headers = {"x-should-retry": "true", "retry-after": "1"}

    def __init__(self, detail: str, run_id: str | None = None) -> None:
        super().__init__(detail)
        self.run_id = run_id

    @classmethod
    def held_by(cls, run_id: str | None, waited_seconds: float) -> "ConversationBusy":
        holder = f" (run_id={run_id})" if run_id else ""
        return cls(
            f"CONFLICT: Cannot send a new message: Another request{holder} is currently being "
            f"processed for this conversation. Please wait for it to complete (waited "
            f"{waited_seconds:g} s).",
            run_id,
        )

    def body(self) -> dict[str, object]:
        return {"detail": self.detail, **({"run_id": self.run_id} if self.run_id else {})}


@dataclass
class TurnHold:
    """A held turn: release it exactly once when the turn ends."""

    key: str
    run_id: str
    _lock: asyncio.Lock
    _heartbeat: asyncio.Task[None] | None = field(default=None)


class TurnLocks:
    def __init__(self, database: Database, *, wait_seconds: float, lease_seconds: float) -> None:
        self._database = database
        self._wait_seconds = wait_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._holders: dict[str, str] = {}  # key -> run id, in this process

    async def acquire(
        self, where: ConversationRef, run_id: str, alongside: Alongside | None = None
    ) -> TurnHold:
        """Wait for the conversation's turn. `alongside` runs once, in the transaction of the
        first attempt at the lease that commits (or in one of its own if this process is busy
        with the conversation past the wait): the run's turn is read and its row written
        there, two transactions fewer per turn."""
        key = where.lock_key
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_seconds
        lock = self._locks[key]
        try:
            await asyncio.wait_for(lock.acquire(), timeout=self._wait_seconds)
        except TimeoutError:
            if alongside is not None:
                await without_lease(self._database, alongside)
            raise ConversationBusy.held_by(self._holders.get(key), self._wait_seconds) from None
        pending = [alongside] if alongside is not None else []  # until its transaction commits
        try:
            attempt = 0
            while not await self._try_lease(where, run_id, pending):
                if loop.time() >= deadline:
                    raise await self._busy(key)
                await asyncio.sleep(POLL_SECONDS[min(attempt, len(POLL_SECONDS) - 1)])
                attempt += 1
        except BaseException:
            lock.release()
            raise
        self._holders[key] = run_id
        hold = TurnHold(key, run_id, lock)
        hold._heartbeat = asyncio.create_task(self._keep_alive(hold))
        return hold

    async def release(self, hold: TurnHold) -> None:
        await self.stop_renewing(hold)
        try:
            async with self._database.session() as session:
                await self.release_lease(session, hold)
        finally:
            self.release_here(hold)

    @staticmethod
    async def stop_renewing(hold: TurnHold) -> None:
        """Stop the lease's heartbeat: first of the steps of releasing a hold."""
        if hold._heartbeat is not None:
            hold._heartbeat.cancel()
            with suppress(asyncio.CancelledError):
                await hold._heartbeat

    @staticmethod
    async def release_lease(session: AsyncSession, hold: TurnHold) -> None:
        """Give the lease back as part of `session`'s transaction (a turn's last one)."""
        await leases.release(session, key=hold.key, run_id=hold.run_id)

    def release_here(self, hold: TurnHold) -> None:
        """Let this process's next turn of the conversation go (whatever became of the lease:
        one not given back lapses)."""
        if self._holders.get(hold.key) == hold.run_id:
            del self._holders[hold.key]
        hold._lock.release()

    async def _try_lease(
        self, where: ConversationRef, run_id: str, pending: list[Alongside]
    ) -> bool:
        try:
            async with self._database.session() as session:
                for work in pending:
                    await work.before(session)
                now = utcnow()
                leased = await leases.try_acquire(
                    session,
                    key=where.lock_key,
                    agent_id=where.agent_id,
                    run_id=run_id,
                    now=now,
                    expires_at=now + self._lease,
                )
                for work in pending:
                    work.after(session, leased)
            pending.clear()
            return leased
        except IntegrityError:
            return False  # the agent is gone

    async def _keep_alive(self, hold: TurnHold) -> None:
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            try:
                async with self._database.session() as session:
                    renewed = await leases.renew(
                        session, key=hold.key, run_id=hold.run_id, expires_at=utcnow() + self._lease
                    )
                if not renewed:
                    logger.warning("Lost the turn lease of %s", hold.key)
            except Exception:  # a transient database error must not kill the turn
                logger.exception("Could not renew the turn lease of %s", hold.key)

    async def _busy(self, key: str) -> ConversationBusy:
        async with self._database.session() as session:
            return ConversationBusy.held_by(await leases.holder(session, key), self._wait_seconds)
