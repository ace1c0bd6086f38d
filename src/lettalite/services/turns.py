"""Sending messages to an agent: JSON, streamed (SSE) and background turns, and cancel."""

import functools
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.approvals import TurnRefused
from lettalite.agent.callback_destination import (
    CallbackPolicy,
    DestinationRefused,
    DestinationUnresolved,
    allowed_addresses,
)
from lettalite.agent.conversation import ConversationRef
from lettalite.agent.run_handle import RunHandle, letta_response
from lettalite.agent.runs import RunManager, RunRequest
from lettalite.agent.turn import Turn, TurnFailed
from lettalite.agent.turn_lock import ConversationBusy
from lettalite.db import agents as agent_queries
from lettalite.db.base import utcnow
from lettalite.db.session import Database
from lettalite.errors import Conflict, InvalidArgument, LLMProviderError, UnprocessableValue
from lettalite.ids import new_id
from lettalite.llm.catalog import served_model
from lettalite.llm.types import ToolDefinition
from lettalite.schemas.message import (
    ClientSkill,
    ClientTool,
    LettaErrorMessage,
    LettaPing,
    LettaRequest,
    LettaResponse,
    StopReason,
    UsageStatistics,
)

EMPTY_PARAMETERS = {"type": "object", "properties": {}}


class PendingApproval(Conflict):
    """409: a new message while the conversation waits for answers to tool calls. The agents
    route answers with Letta's structured detail, the conversation route with its text."""

    headers = {"x-should-retry": "false"}

    def __init__(self, detail: str, pending_request_id: str | None, *, structured: bool):
        super().__init__(detail)
        self.pending_request_id = pending_request_id
        self.structured = structured

    def body(self) -> dict[str, object]:
        if not self.structured:
            return {"detail": self.detail}
        code = {"code": "PENDING_APPROVAL", "message": self.detail}
        return {"detail": {**code, "pending_request_id": self.pending_request_id}}


@dataclass(frozen=True)
class TurnOutcome:
    response: LettaResponse
    llm_seconds: float


def request_key(where: ConversationRef, request: LettaRequest) -> str:
    """Same key for the same request: client otids if given, else the whole body."""
    otids = [message.otid for message in request.input_messages() if message.otid]
    identity: Any = {"otids": otids} if otids else request.model_dump(mode="json")
    text = json.dumps([where.lock_key, identity], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def client_tool_definitions(tools: list[ClientTool] | None) -> tuple[ToolDefinition, ...]:
    return tuple(
        ToolDefinition(
            name=tool.name,
            description=tool.description or "",
            parameters=tool.parameters or EMPTY_PARAMETERS,
        )
        for tool in tools or ()
    )


def skills_section(skills: list[ClientSkill] | None) -> str | None:
    """The client's skills, as the system prompt lists them for one request."""
    if not skills:
        return None
    lines = [f"- {skill.name} ({skill.location}): {skill.description}" for skill in skills]
    return "<available_skills>\n" + "\n".join(lines) + "\n</available_skills>"


async def build_turn(
    session: AsyncSession,
    where: ConversationRef,
    request: LettaRequest,
    *,
    run_id: str,
    stream_tokens: bool,
) -> Turn:
    """The turn a request asks for; the model is the request's override, else the
    conversation's own, else the agent's."""
    model, embedding, own_model = await agent_queries.turn_models(
        session, where.agent_id, where.conversation_id
    )
    return Turn(
        where=where,
        run_id=run_id,
        model=await served_model(request.override_model or own_model or model),
        embedding=embedding,
        inputs=request.input_messages(),
        max_steps=request.max_steps,
        stream_tokens=stream_tokens,
        client_tools=client_tool_definitions(request.client_tools),
        system_override=request.override_system,
        system_addendum=skills_section(request.client_skills),
    )


async def refuse_disallowed_callback(url: str, policy: CallbackPolicy) -> None:
    """422 when the callback URL's host is, or resolves to, an address callbacks may not go
    to. A name that does not resolve now is accepted: it is checked again when sending."""
    try:
        await allowed_addresses(url, policy)
    except DestinationRefused as refused:
        raise UnprocessableValue(f"callback_url: {refused}") from None
    except DestinationUnresolved:
        pass


async def start_run(
    manager: RunManager,
    where: ConversationRef,
    request: LettaRequest,
    *,
    is_resend: bool,
    stream_tokens: bool = False,
    background: bool = False,
    queued: bool = False,
    callback_url: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> RunHandle:
    """Start a turn, or join the run an identical earlier request started (an SDK re-send)."""
    if callback_url is not None:
        await refuse_disallowed_callback(callback_url, manager.callback_policy)
    key = request_key(where, request)
    otids = [message.otid for message in request.input_messages() if message.otid]
    if is_resend or otids:
        existing = await manager.find(where.agent_id, key)
        if existing is not None:
            return existing
    run_id = new_id("run")
    config = {
        "max_steps": request.max_steps,
        "stream_tokens": stream_tokens,
        "include_return_message_types": request.include_return_message_types,
    }
    return await manager.submit(
        RunRequest(
            where=where,
            run_id=run_id,
            build_turn=functools.partial(
                build_turn, where=where, request=request, run_id=run_id, stream_tokens=stream_tokens
            ),
            request_key=key,
            otid=otids[0] if otids else None,
            background=background,
            queued=queued,
            callback_url=callback_url,
            request_config=config,
            metadata=metadata,
        )
    )


async def preview(
    database: Database, manager: RunManager, where: ConversationRef, request: LettaRequest
) -> dict[str, Any]:
    """What the model provider would be sent for this request, without sending it."""
    async with database.session() as session:
        turn = await build_turn(session, where, request, run_id=new_id("run"), stream_tokens=False)
    try:
        return await manager.runner.preview(turn)
    except TurnRefused as refused:
        failure = TurnFailed(refused.error_type, refused.detail, refused.pending_message_id)
        raise_for_failure(failure, "error", structured=False)
        raise


def raise_for_failure(failure: TurnFailed, stop_reason: str, *, structured: bool) -> None:
    """The HTTP error for a turn that failed (a streamed turn sends it as an error event)."""
    if failure.error_type == "agent_busy":
        raise ConversationBusy(failure.detail)
    if failure.error_type == "pending_approval":
        raise PendingApproval(failure.detail, failure.pending_message_id, structured=structured)
    if failure.error_type in ("invalid_approval", "context_window_overflow_in_system_prompt"):
        raise InvalidArgument(failure.detail)
    if failure.error_type == "llm_error":
        raise LLMProviderError(f"The agent's turn failed ({stop_reason}): {failure.detail}")
    raise RuntimeError(f"The turn failed: {failure.detail}")


async def await_response(
    handle: RunHandle, request: LettaRequest, *, structured_errors: bool = True
) -> TurnOutcome:
    await handle.finished.wait()
    failure = next((e for e in handle.events if isinstance(e, TurnFailed)), None)
    if failure is not None:
        stop = handle.result.stop_reason if handle.result else "error"
        raise_for_failure(failure, stop, structured=structured_errors)
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
