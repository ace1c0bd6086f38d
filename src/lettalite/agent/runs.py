"""Runs: every turn executes as a task owned here, not by the HTTP request that started it.

A client that disconnects loses nothing (the task finishes and stores its messages), a
background turn is the same task with nobody waiting, a stream is a subscription to the
run's events, and an SDK's automatic re-send of a request joins the run it already started.
"""

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.callback_destination import CallbackPolicy
from lettalite.agent.callbacks import send_callback
from lettalite.agent.conversation import ConversationRef
from lettalite.agent.loop import TurnRunner
from lettalite.agent.replay import follow_stored
from lettalite.agent.run_handle import RunHandle
from lettalite.agent.turn import Turn, TurnCancelled, TurnFailed, TurnResult
from lettalite.agent.turn_lock import ConversationBusy, TurnHold, TurnLocks, without_lease
from lettalite.db import runs as run_queries
from lettalite.db.base import utcnow
from lettalite.db.models import RunRow
from lettalite.db.pagination import Page
from lettalite.db.runs import LastRun
from lettalite.db.session import Database
from lettalite.ids import new_id
from lettalite.schemas.message import (
    StopReason,
)

logger = logging.getLogger("lettalite.runs")
REPLAY_WINDOW = timedelta(minutes=10)
# Finished runs kept in memory at most (the newest): older ones are replayed from the database,
# as another worker would, without their token deltas. Each holds its events (kilobytes).
KEPT_FINISHED_RUNS = 200
CANCEL_POLL_SECONDS = 0.5
RUN_STATUS_BY_STOP = {
    "end_turn": "completed",
    "max_steps": "completed",
    "tool_rule": "completed",
    "requires_approval": "completed",
    "cancelled": "cancelled",
}
# Failures that refused the turn before it did anything: they are not the agent's last stop.
REFUSALS = ("agent_busy", "pending_approval", "invalid_approval")
ORPHAN_ERROR = "The server stopped while this run was active."


def _run_status(result: TurnResult) -> str:
    return RUN_STATUS_BY_STOP.get(result.stop_reason, "failed")


@dataclass(frozen=True)
class RunRequest:
    """What a client asked for: where, the turn it asks for, and how to run it."""

    where: ConversationRef
    run_id: str
    # Reads what the turn needs (its model), in the transaction that writes the run's row: an
    # unknown agent or model stores nothing.
    build_turn: Callable[[AsyncSession], Awaitable[Turn]]
    request_key: str | None
    otid: str | None = None
    background: bool = False
    # Queued: the request returns at once and the turn waits for the conversation in the
    # background (`/messages/async`). Otherwise the request waits (409 if too long).
    queued: bool = False
    callback_url: str | None = None
    request_config: dict | None = None
    # Shown as the run's `metadata` (e.g. the schedule that started it); kept when it fails.
    metadata: dict[str, Any] | None = None


class RunManager:
    def __init__(
        self,
        database: Database,
        runner: TurnRunner,
        locks: TurnLocks,
        callback_policy: CallbackPolicy | None = None,
    ) -> None:
        self._database = database
        self.runner = runner
        self.locks = locks
        self.callback_policy = callback_policy or CallbackPolicy()
        self._handles: dict[str, RunHandle] = {}
        self._finished: deque[str] = deque()  # ids of the finished runs in _handles, oldest first
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, request: RunRequest) -> RunHandle:
        """Start the run; unless it is queued, first wait for its turn (409 if it waits too
        long), so a busy conversation is reported to the request that found it busy."""
        where, run_id = request.where, request.run_id
        start = _RunStart(request, _new_run(request))
        handle = RunHandle(run_id, where.agent_id, request.request_key, where.conversation_id)
        # Known before it waits for its turn, so a cancel meanwhile reaches it.
        self._handles[run_id] = handle
        hold = None
        try:
            if request.queued:
                await without_lease(self._database, start)
            else:
                hold = await self.locks.acquire(where, run_id, start)
        except Exception as error:
            if start.turn is None:  # refused before anything was stored (unknown agent, model)
                del self._handles[run_id]
                raise
            failure = TurnFailed("agent_busy", str(error))
            result = TurnResult(stop_reason="error", failure=failure)
            await self._finalize(_StoredEnd(self, handle, request.metadata), result)
            self._forget_later(handle)
            raise
        started = start.run.status == "running"
        self._spawn(self._execute(handle, request, start.turn, hold, started=started))
        return handle

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)  # a strong reference until it ends
        task.add_done_callback(self._tasks.discard)

    async def find(self, agent_id: str, request_key: str) -> RunHandle | None:
        """The run a request with this key already started (an SDK re-send) and that is
        running or succeeded; a failed one is not found, so the re-send runs the turn again."""
        for handle in self._handles.values():
            failed = handle.result is not None and _run_status(handle.result) == "failed"
            if handle.agent_id == agent_id and handle.request_key == request_key and not failed:
                return handle
        async with self._database.session() as session:
            run = await run_queries.find_run_by_request_key(
                session, agent_id, request_key, utcnow() - REPLAY_WINDOW
            )
        if run is None or run.status == "failed":
            return None
        return await self.handle(run.id)

    async def handle(self, run_id: str) -> RunHandle:
        """The live handle of a run, or one filled from what the database stored."""
        if run_id in self._handles:
            return self._handles[run_id]
        async with self._database.session() as session:
            run = await run_queries.get_run(session, run_id)
        handle = RunHandle(run.id, run.agent_id, run.request_key, run.conversation_id)
        self._spawn(follow_stored(self._database, handle))
        return handle

    async def cancel(
        self,
        agent_id: str,
        run_ids: list[str] | None = None,
        where: ConversationRef | None = None,
    ) -> dict[str, str]:
        """Cancel the agent's active runs (only `run_ids`, or only those of one conversation),
        wherever they are running."""
        async with self._database.session() as session:
            active = [
                run
                for run in await run_queries.list_runs(
                    session,
                    page=Page(limit=1000),
                    agent_ids=[agent_id],
                    statuses=run_queries.ACTIVE_STATUSES,
                )
                if (run_ids is None or run.id in run_ids)
                and (where is None or run.conversation_id == where.conversation_id)
            ]
            for run in active:
                run.cancel_requested = True  # seen by the process running it
        for run in active:
            if run.id in self._handles:
                self._handles[run.id].cancelled.set()
        return {run.id: "cancelled" for run in active}

    async def cancel_pending_approval(self, where: ConversationRef) -> str | None:
        """Deny the calls a paused conversation waits on; the run that paused, or None."""
        hold = await self.locks.acquire(where, new_id("run"))  # never beside a running turn
        try:
            return await self.runner.deny_pending(where)
        finally:
            await self.locks.release(hold)

    async def sweep_orphans(self, created_grace: timedelta) -> int:
        """Fail the runs that no process is running any more (e.g. after a crash), and call
        back those that asked for it; how many runs this sweep failed."""
        now = utcnow()
        async with self._database.session() as session:
            orphans = [
                run.id
                for run in await run_queries.orphaned_runs(session, now)
                if (run.status == "running" or run.created_at < now - created_grace)
                and run.id not in self._handles
            ]
            if not orphans:
                return 0
            failed = await run_queries.fail_orphans(session, orphans, now, ORPHAN_ERROR)
        for run_id, agent_id, callback_url in failed:
            if callback_url:
                self._spawn(self._call_back_stored(RunHandle(run_id, agent_id), callback_url))
        return len(failed)

    async def _call_back_stored(self, handle: RunHandle, callback_url: str) -> None:
        await follow_stored(self._database, handle)  # the run has ended: returns at once
        await send_callback(self._database, self.callback_policy, handle, callback_url)

    async def close(self) -> None:
        for handle in self._handles.values():
            handle.cancelled.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)

    async def _execute(
        self,
        handle: RunHandle,
        request: RunRequest,
        turn: Turn,
        hold: TurnHold | None,
        *,
        started: bool,
    ) -> None:
        """Run the turn (`started`: its run row already says running) and record its end."""
        end = _StoredEnd(self, handle, request.metadata, hold)
        result = TurnResult(run_ids=[handle.run_id])
        watcher = asyncio.create_task(self._watch_cancel_requests(handle))
        try:
            end.hold = hold or await self.locks.acquire(turn.where, handle.run_id)
            if not started and await self._start(handle.run_id):
                handle.cancelled.set()  # cancelled (maybe from another process) while it waited
            result = await self.runner.run(turn, handle.publish, handle.cancelled, end)
        except TurnCancelled:
            result.stop_reason = "cancelled"
        except ConversationBusy as busy:
            result.stop_reason = "error"
            result.failure = TurnFailed("agent_busy", busy.detail)
        except Exception as error:  # the run must end recorded, whatever went wrong
            logger.exception("Run %s failed", handle.run_id)
            result.stop_reason = "error"
            result.failure = TurnFailed("internal_error", f"{type(error).__name__}: {error}")
        finally:
            watcher.cancel()
            await self._finalize(end, result)
            self._forget_later(handle)
        if request.callback_url:
            await send_callback(self._database, self.callback_policy, handle, request.callback_url)

    async def _watch_cancel_requests(self, handle: RunHandle) -> None:
        """Honour a cancel sent to another process (another replica behind the balancer)."""
        while not handle.cancelled.is_set():
            await asyncio.sleep(CANCEL_POLL_SECONDS)
            async with self._database.session() as session:
                run = await run_queries.get_run(session, handle.run_id)
                if run.cancel_requested:
                    handle.cancelled.set()

    async def _start(self, run_id: str) -> bool:
        """Mark the run running; whether a cancel was requested before it started."""
        async with self._database.session() as session:
            return await run_queries.start_run(session, run_id)

    async def _finalize(self, end: "_StoredEnd", result: TurnResult) -> None:
        """Publish how the run ended, record it and give its turn back (one transaction, unless
        the last step's did that); readers are released whatever happens (if the database
        cannot take the record now, the lease lapses and the orphan sweep fails the run later)."""
        handle = end.handle
        handle.result = result
        if result.failure is not None:
            handle.publish(result.failure)
        handle.publish(StopReason(stop_reason=result.stop_reason))
        handle.publish(result.statistics())
        try:
            if not result.recorded:
                await end.prepare()
                async with self._database.session() as session:
                    await end.record(session, result)
        except Exception:
            logger.exception("Could not record the end of run %s", handle.run_id)
        finally:
            if end.hold is not None:
                self.locks.release_here(end.hold)
            handle.finish()

    async def store_end(
        self,
        session: AsyncSession,
        handle: RunHandle,
        result: TurnResult,
        seconds: float,
        metadata: dict[str, Any] | None,
        hold: TurnHold | None,
        last_run: LastRun | None = None,
    ) -> None:
        """Store how the run ended, as the agent's last run too (unless the last step stored
        `last_run`), and give back its lease."""
        ended = {
            "status": _run_status(result),
            "stop_reason": result.stop_reason,
            "completed_at": last_run.completed_at if last_run is not None else utcnow(),
            "usage": result.statistics().model_dump(exclude={"message_type", "run_ids"}),
            "total_duration_ns": int(seconds * 1e9),
        }
        if result.first_token_seconds is not None:
            ended["ttft_ns"] = int(result.first_token_seconds * 1e9)
        failure = result.failure
        if failure is not None:
            error = {"error": failure.detail, "error_type": failure.error_type}
            ended["metadata_"] = {**(metadata or {}), **error}
        await run_queries.end_run(session, handle.run_id, ended)
        if last_run is None and (failure is None or failure.error_type not in REFUSALS):
            await run_queries.record_last_run(
                session,
                handle.agent_id,
                handle.conversation_id,
                LastRun(result.stop_reason, ended["completed_at"]),
            )
        if hold is not None:
            await self.locks.release_lease(session, hold)

    def _forget_later(self, handle: RunHandle) -> None:
        # Keep finished runs in memory for a while so re-sends and stream replays are exact.
        loop = asyncio.get_running_loop()
        loop.call_later(REPLAY_WINDOW.total_seconds(), self._handles.pop, handle.run_id, None)
        self._finished.append(handle.run_id)
        if len(self._finished) > KEPT_FINISHED_RUNS:
            self._handles.pop(self._finished.popleft(), None)


@dataclass
class _StoredEnd:
    """The run's end, stored by its last step's transaction (see RunEnd), or else by one of
    its own when the run has ended (RunManager._finalize)."""

    manager: RunManager
    handle: RunHandle
    metadata: dict[str, Any] | None
    hold: TurnHold | None = None
    started_at: float = field(default_factory=time.perf_counter)

    async def prepare(self) -> None:
        # The lease is given back in that transaction: no heartbeat may renew it meanwhile.
        if self.hold is not None:
            await self.manager.locks.stop_renewing(self.hold)

    async def record(
        self, session: AsyncSession, result: TurnResult, last_run: LastRun | None = None
    ) -> None:
        seconds = time.perf_counter() - self.started_at
        await self.manager.store_end(
            session, self.handle, result, seconds, self.metadata, self.hold, last_run
        )


def _new_run(request: RunRequest) -> RunRow:
    return RunRow(
        id=request.run_id,
        agent_id=request.where.agent_id,
        conversation_id=request.where.conversation_id,
        otid=request.otid,
        status="created",
        background=request.background,
        request_key=request.request_key,
        request_config=request.request_config,
        callback_url=request.callback_url,
        metadata_=request.metadata or {},
    )


@dataclass
class _RunStart:
    """The run's first transaction (see turn_lock.Alongside): its turn is read, then its row
    written, beside the first attempt at the conversation's lease."""

    request: RunRequest
    run: RunRow
    turn: Turn | None = None

    async def before(self, session: AsyncSession) -> None:
        self.turn = await self.request.build_turn(session)

    def after(self, session: AsyncSession, leased: bool) -> None:
        # Taking the turn at once, the run starts running: no cancel can precede it.
        self.run.status = "running" if leased else "created"
        session.add(self.run)
