"""One agent turn: build the request, call the model, run its tool calls, decide, repeat.

The loop emits typed events to a sink; a JSON response and an SSE stream are two renderings
of the same events. Each step commits once: its input, the model's message, the tool results
and every memory edit land together or not at all, so a failed or cancelled step leaves no
trace in the agent's context (never a tool call without its result).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.archive import Embedder
from lettalite.agent.compaction import (
    COMPACT_AT,
    KEEP_AT_MOST,
    SUMMARY_ALLOWANCE,
    ContextOverflow,
    compact,
    estimate_message,
    estimate_request,
    estimate_tools,
    latest_token_scale,
)
from lettalite.agent.context import assistant_content, chat_message, without_nul
from lettalite.agent.deltas import DeltaRenderer
from lettalite.agent.memory import recompile_system_prompt, recompile_system_prompts
from lettalite.agent.render import letta_messages
from lettalite.agent.tool_runner import (
    ResolvedCall,
    resolve_call,
    run_tool_call,
    texts_to_embed,
    truncate,
)
from lettalite.db import agents as agent_queries
from lettalite.db import blocks as block_queries
from lettalite.db import messages as message_queries
from lettalite.db.base import utcnow
from lettalite.db.models import AgentRow, MessageRow, StepRow
from lettalite.db.session import Database
from lettalite.ids import new_id
from lettalite.llm.catalog import ModelHandle
from lettalite.llm.types import (
    ChatRequest,
    Completion,
    CompletionDelta,
    LLMClient,
    LLMError,
    ToolDefinition,
    Usage,
)
from lettalite.schemas.message import LettaMessage, MessageCreate, StopReasonType, UsageStatistics
from lettalite.tools import TOOLS, ToolSpec

TOOL_RETURN_CHAR_LIMIT = 50000
OVERFLOW_RETRIES = 2
T = TypeVar("T")


@dataclass(frozen=True)
class TurnFailed:
    """The turn ended early; `detail` says why (e.g. the provider's error)."""

    error_type: str
    detail: str


TurnEvent = LettaMessage | TurnFailed
EventSink = Callable[[TurnEvent], None]


class TurnCancelled(Exception):
    """Raised inside the loop when a cancel request interrupts it."""


@dataclass(frozen=True)
class Turn:
    agent_id: str
    run_id: str
    model: ModelHandle
    embedding: str | None  # the agent's embedding handle, for its archival tools
    inputs: Sequence[MessageCreate]
    max_steps: int
    stream_tokens: bool = False


@dataclass
class TurnResult:
    stop_reason: StopReasonType = "max_steps"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    steps: int = 0
    last_total: int = 0
    llm_seconds: float = 0.0
    first_token_seconds: float | None = None
    failure: TurnFailed | None = None
    run_ids: list[str] = field(default_factory=list)

    def add(self, usage: Usage) -> None:
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        self.last_total = usage.total_tokens
        self.steps += 1

    def statistics(self) -> UsageStatistics:
        return UsageStatistics(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            total_tokens=self.prompt_tokens + self.completion_tokens,
            step_count=self.steps,
            run_ids=self.run_ids,
            context_tokens=self.last_total or None,
        )


def next_action(completion: Completion, step: int, max_steps: int) -> StopReasonType | None:
    """Why the turn stops after this step, or None to call the model again."""
    if not completion.tool_calls:
        return "max_tokens_exceeded" if completion.finish_reason == "length" else "end_turn"
    if step + 1 >= max_steps:
        return "max_steps"
    return None


async def until_cancelled(work: Awaitable[T], cancelled: asyncio.Event) -> T:
    """Await `work`, abandoning it (and raising TurnCancelled) as soon as `cancelled` is set."""
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(cancelled.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if not task.done():
        task.cancel()
        raise TurnCancelled
    return task.result()


def _input_row(turn: Turn, message: MessageCreate) -> MessageRow:
    return MessageRow(
        id=new_id("message"),
        agent_id=turn.agent_id,
        sequence=0,
        role=message.role,
        content=[{"type": "text", "text": message.text}],
        name=message.name,
        otid=message.otid or new_id("message").removeprefix("message-"),
        run_id=turn.run_id,
    )


def tool_definitions(agent: AgentRow) -> tuple[dict[str, ToolSpec], list[ToolDefinition]]:
    attached = {
        link.tool.name: TOOLS[link.tool.name]
        for link in agent.tool_links
        if link.tool.name in TOOLS
    }
    definitions = [
        ToolDefinition(
            name=spec.name,
            description=spec.json_schema["description"],
            parameters=spec.json_schema["parameters"],
        )
        for spec in attached.values()
    ]
    return attached, definitions


@dataclass
class StepCall:
    """One model call: its identity, and the message id its output will be stored under."""

    step_id: str = field(default_factory=lambda: new_id("step"))
    message_id: str = field(default_factory=lambda: new_id("message"))
    started: float = field(default_factory=time.perf_counter)
    llm_seconds: float = 0.0
    estimated_tokens: int = 0  # our estimate of the request sent, kept beside the provider's


class TurnRunner:
    def __init__(self, database: Database, llm_for: Callable[[ModelHandle], LLMClient]) -> None:
        self._database = database
        self.llm_for = llm_for

    async def run(self, turn: Turn, emit: EventSink, cancelled: asyncio.Event) -> TurnResult:
        llm = self.llm_for(turn.model)
        pending = [_input_row(turn, message) for message in turn.inputs]
        result = TurnResult(run_ids=[turn.run_id])
        started = time.perf_counter()
        try:
            for step in range(turn.max_steps):
                if cancelled.is_set():
                    raise TurnCancelled
                call = StepCall()
                try:
                    completion, attached = await until_cancelled(
                        self._fit_and_call(llm, turn, pending, call, emit, result, started),
                        cancelled,
                    )
                except LLMError as error:
                    result.stop_reason = "llm_api_error"
                    result.failure = TurnFailed(error_type="llm_error", detail=error.detail)
                    break
                except ContextOverflow as error:
                    result.stop_reason = "context_window_overflow_in_system_prompt"
                    result.failure = TurnFailed(result.stop_reason, str(error))
                    break
                finally:
                    call.llm_seconds = time.perf_counter() - call.started
                    result.llm_seconds += call.llm_seconds
                result.add(completion.usage)
                rows = await self._commit_step(turn, call, pending, completion, attached)
                pending = []
                for row in rows:
                    if turn.stream_tokens and row.role == "assistant":
                        continue  # already streamed as deltas
                    for message in letta_messages(row):
                        emit(message)
                reason = next_action(completion, step, turn.max_steps)
                if reason is not None:
                    result.stop_reason = reason
                    break
        except TurnCancelled:
            result.stop_reason = "cancelled"
        return result

    async def _fit_and_call(
        self,
        llm: LLMClient,
        turn: Turn,
        pending: list[MessageRow],
        call: StepCall,
        emit: EventSink,
        result: TurnResult,
        turn_started: float,
    ) -> tuple[Completion, dict[str, ToolSpec]]:
        """Call the model, compacting the history first if the request would not fit.

        If the provider still reports an overflow (our estimate was low), compact harder
        and try again, a bounded number of times.
        """
        attempt = 0
        while True:
            request, attached, window, scale = await self._build_request(turn, pending)
            if attempt > 0 or estimate_request(request) * scale > COMPACT_AT * window:
                await self._compact(
                    llm, turn, request, window, scale, len(pending), halvings=attempt
                )
                request, attached, window, scale = await self._build_request(turn, pending)
            call.estimated_tokens = estimate_request(request)
            try:
                completion = await self._call_model(
                    llm, request, turn, call, emit, result, turn_started
                )
            except LLMError as error:
                if not error.context_overflow or attempt == OVERFLOW_RETRIES:
                    raise
                attempt += 1
                continue
            return completion, attached

    async def _compact(
        self,
        llm: LLMClient,
        turn: Turn,
        request: ChatRequest,
        window: int,
        scale: float,
        pending_count: int,
        halvings: int,
    ) -> None:
        """Compact so the request fits; sizes are in estimated tokens, `scale` converts."""
        pinned = [request.messages[0], *request.messages[len(request.messages) - pending_count :]]
        fixed = sum(estimate_message(m) for m in pinned) + estimate_tools(request.tools)
        if (fixed + SUMMARY_ALLOWANCE) * scale > COMPACT_AT * window:
            raise ContextOverflow(
                f"The system prompt, memory blocks, tools and new input need about "
                f"{int(fixed * scale)} tokens, too many for the agent's {window}-token context "
                "window. Shorten them or raise the agent's context_window_limit."
            )
        budget = int(KEEP_AT_MOST * window / scale / 2**halvings) - fixed - SUMMARY_ALLOWANCE
        await compact(
            self._database,
            llm,
            agent_id=turn.agent_id,
            model=turn.model,
            keep_tokens=max(budget, 0),
        )

    async def _call_model(
        self,
        llm: LLMClient,
        request: ChatRequest,
        turn: Turn,
        call: StepCall,
        emit: EventSink,
        result: TurnResult,
        turn_started: float,
    ) -> Completion:
        if not turn.stream_tokens:
            completion = await llm.complete(request)
            result.first_token_seconds = result.first_token_seconds or (
                time.perf_counter() - turn_started
            )
            return completion
        renderer = DeltaRenderer(call.message_id, turn.run_id, call.step_id, utcnow())
        async for item in llm.stream(request):
            if result.first_token_seconds is None:
                result.first_token_seconds = time.perf_counter() - turn_started
            if isinstance(item, Completion):
                return item
            if isinstance(item, CompletionDelta) and (message := renderer.render(item)):
                emit(message)
        raise LLMError("The model provider's stream ended without a completion.")

    async def _build_request(
        self, turn: Turn, pending: list[MessageRow]
    ) -> tuple[ChatRequest, dict[str, ToolSpec], int, float]:
        """The model request for the agent's current context, its tools, its window, and how
        many real tokens one estimated token has turned out to be."""
        async with self._database.session() as session:
            agent = await agent_queries.get_agent(session, turn.agent_id)
            history = await message_queries.in_context_messages(session, agent)
            scale = await latest_token_scale(session, agent.id)
        attached, definitions = tool_definitions(agent)
        request = ChatRequest(
            model=turn.model.model,
            messages=[chat_message(row) for row in [*history, *pending]],
            tools=definitions,
            temperature=agent.temperature,
            max_tokens=agent.max_tokens,
        )
        return request, attached, agent.context_window, scale

    async def _commit_step(
        self,
        turn: Turn,
        call: StepCall,
        pending: list[MessageRow],
        completion: Completion,
        attached: dict[str, ToolSpec],
    ) -> list[MessageRow]:
        """Store the step's input, the model's message and tool results, and apply edits."""
        resolved = [resolve_call(tool_call, attached) for tool_call in completion.tool_calls]
        embedder = Embedder(self.llm_for)
        if turn.embedding is not None:
            # Before the transaction: no database lock is held during the provider call.
            runnable = [r for r in resolved if isinstance(r, ResolvedCall)]
            await embedder.embed_in_advance(turn.embedding, texts_to_embed(runnable))
        async with self._database.session() as session:
            agent = await agent_queries.get_agent(session, turn.agent_id)
            produced: list[MessageRow] = []
            content = assistant_content(completion)
            if content or completion.tool_calls:
                produced.append(self._assistant_row(turn, call, content, completion))
            changed: set[str] = set()
            for tool_call, call_or_failure in zip(completion.tool_calls, resolved, strict=True):
                outcome = (
                    await run_tool_call(session, agent, call_or_failure, embedder)
                    if isinstance(call_or_failure, ResolvedCall)
                    else call_or_failure
                )
                changed |= outcome.changed_block_ids
                envelope = truncate(outcome.envelope(utcnow()), TOOL_RETURN_CHAR_LIMIT)
                produced.append(
                    MessageRow(
                        id=new_id("message"),
                        agent_id=turn.agent_id,
                        role="tool",
                        name=tool_call.name,
                        content=[{"type": "text", "text": envelope}],
                        tool_call_id=tool_call.id,
                        tool_status=outcome.status,
                        step_id=call.step_id,
                    )
                )
            session.add(self._step_row(turn, call, completion))
            await self._store(session, turn, [*pending, *produced])
            if changed:
                await recompile_system_prompt(session, agent)
                sharing = await block_queries.agent_ids_of_blocks(session, changed)
                await recompile_system_prompts(session, set(sharing) - {turn.agent_id})
        return produced

    @staticmethod
    def _assistant_row(
        turn: Turn, call: StepCall, content: list[dict[str, str]], completion: Completion
    ) -> MessageRow:
        return MessageRow(
            id=call.message_id,
            agent_id=turn.agent_id,
            role="assistant",
            content=content,
            tool_calls=[
                {"id": c.id, "name": without_nul(c.name), "arguments": without_nul(c.arguments)}
                for c in completion.tool_calls
            ]
            or None,
            model=turn.model.handle,
            step_id=call.step_id,
        )

    @staticmethod
    def _step_row(turn: Turn, call: StepCall, completion: Completion) -> StepRow:
        return StepRow(
            id=call.step_id,
            run_id=turn.run_id,
            agent_id=turn.agent_id,
            model=turn.model.handle,
            finish_reason=completion.finish_reason,
            prompt_tokens=completion.usage.prompt_tokens,
            completion_tokens=completion.usage.completion_tokens,
            estimated_prompt_tokens=call.estimated_tokens,
            llm_duration_ns=int(call.llm_seconds * 1e9),
        )

    @staticmethod
    async def _store(session: AsyncSession, turn: Turn, rows: list[MessageRow]) -> None:
        first = await agent_queries.allocate_sequences(session, turn.agent_id, len(rows))
        for offset, row in enumerate(rows):
            row.sequence = first + offset
            row.run_id = turn.run_id
            row.search_text = row.text
            session.add(row)
        await session.flush()
