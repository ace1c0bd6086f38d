"""Sending messages to an agent: JSON, streamed (SSE) and background turns, and cancel."""

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from lettalite.agent.loop import Turn, TurnFailed
from lettalite.agent.runs import RunHandle, RunManager, RunRequest, letta_response
from lettalite.agent.turn_lock import AgentBusy
from lettalite.db import agents as agent_queries
from lettalite.db.base import utcnow
from lettalite.db.session import Database
from lettalite.errors import InvalidArgument, LLMProviderError
from lettalite.ids import new_id
from lettalite.llm.catalog import resolve_model
from lettalite.schemas.message import (
    LettaErrorMessage,
    LettaPing,
    LettaRequest,
    LettaResponse,
    StopReason,
    UsageStatistics,
)


@dataclass(frozen=True)
class TurnOutcome:
    response: LettaResponse
    llm_seconds: float


def request_key(agent_id: str, request: LettaRequest) -> str:
    """Same key for the same request: client otids if given, else the whole body."""
    otids = [message.otid for message in request.input_messages() if message.otid]
    identity: Any = {"otids": otids} if otids else request.model_dump(mode="json")
    text = json.dumps([agent_id, identity], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


async def start_run(
    database: Database,
    manager: RunManager,
    agent_id: str,
    request: LettaRequest,
    *,
    is_resend: bool,
    stream_tokens: bool = False,
    background: bool = False,
    callback_url: str | None = None,
) -> RunHandle:
    """Start a turn, or join the run an identical earlier request started (an SDK re-send)."""
    key = request_key(agent_id, request)
    has_otids = any(message.otid for message in request.input_messages())
    if is_resend or has_otids:
        existing = await manager.find(agent_id, key)
        if existing is not None:
            return existing
    async with database.session() as session:
        agent = await agent_queries.get_agent(session, agent_id)
        model = resolve_model(request.override_model or agent.model)
    turn = Turn(
        agent_id=agent_id,
        run_id=new_id("run"),
        model=model,
        embedding=agent.embedding,
        inputs=request.input_messages(),
        max_steps=request.max_steps,
        stream_tokens=stream_tokens,
    )
    config = {
        "max_steps": request.max_steps,
        "stream_tokens": stream_tokens,
        "include_return_message_types": request.include_return_message_types,
    }
    return await manager.submit(
        RunRequest(
            turn=turn,
            request_key=key,
            background=background,
            callback_url=callback_url,
            request_config=config,
        )
    )


async def await_response(handle: RunHandle, request: LettaRequest) -> TurnOutcome:
    await handle.finished.wait()
    failure = next((e for e in handle.events if isinstance(e, TurnFailed)), None)
    if failure is not None and failure.error_type == "agent_busy":
        raise AgentBusy(failure.detail)
    if failure is not None and failure.error_type == "llm_error":
        stop = handle.result.stop_reason if handle.result else "llm_api_error"
        raise LLMProviderError(f"The agent's turn failed ({stop}): {failure.detail}")
    if failure is not None and failure.error_type == "context_window_overflow_in_system_prompt":
        raise InvalidArgument(failure.detail)
    if failure is not None:
        raise RuntimeError(f"Run {handle.run_id} failed: {failure.detail}")
    response = letta_response(handle.events)
    wanted = request.include_return_message_types
    if wanted is not None:
        kept = [m for m in response.messages if m.message_type in wanted]
        response = response.model_copy(update={"messages": kept})
    llm_seconds = handle.result.llm_seconds if handle.result else 0.0
    return TurnOutcome(response=response, llm_seconds=llm_seconds)


def _data(model: Any) -> dict[str, str]:
    return {"data": model.model_dump_json()}


def _ping(run_id: str) -> dict[str, str]:
    return _data(LettaPing(id=new_id("ping"), date=utcnow(), run_id=run_id))


async def sse_frames(
    handle: RunHandle,
    *,
    include_pings: bool = True,
    keepalive_seconds: float = 20.0,
    starting_after: int = 0,
    wanted: list[str] | None = None,
) -> AsyncIterator[dict[str, str]]:
    """The run as Server-Sent Events: ping, messages, stop_reason, usage, [DONE].

    A failure is sent as its stop_reason, then an `event: error` frame, then [DONE].
    """
    if include_pings:
        yield _ping(handle.run_id)
    failure: TurnFailed | None = None
    idle = keepalive_seconds if include_pings else None
    async for event in handle.follow(starting_after, idle_seconds=idle):
        if event is None:
            yield _ping(handle.run_id)
        elif isinstance(event, TurnFailed):
            failure = event
        elif isinstance(event, StopReason):
            yield _data(event)
            if failure is not None:
                error = LettaErrorMessage(
                    run_id=handle.run_id,
                    error_type=failure.error_type,
                    message=failure.detail,
                    detail=failure.detail,
                )
                yield {"event": "error", "data": error.model_dump_json()}
        elif isinstance(event, UsageStatistics):
            if failure is None:
                yield _data(event)
        elif wanted is None or event.message_type in wanted:
            yield _data(event)
    yield {"data": "[DONE]"}
