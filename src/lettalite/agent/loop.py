"""One agent turn, as a small state machine:

    CallModel --(every tool call ran)--> CallModel ... --(an answer without tool calls)--> Stop
        `--(a call waits for the client or a human)--> Stop("requires_approval")
        `--(an `exit_loop` tool ran)--> Stop("tool_rule")
        `--(an answer before a `required_before_exit` tool ran)--> CallModel(heartbeat)
    AnswerApprovals --(the client's answers, stored)--> CallModel

A turn that stops for approval leaves its conversation paused (its context window names the
waiting message); the client's next request carries the answers and starts in AnswerApprovals.
CallModel carries the tool calls made so far in the request, from which the agent's tool rules
(agent/tool_rules.py) decide what each model call is offered and forced to do.

The loop emits typed events to a sink; a JSON response and an SSE stream are two renderings
of the same events. Each transition commits once: its input, the model's message, the tool
results and every memory edit land together or not at all, so a failed or cancelled step
leaves no trace in the conversation (never a tool call the model sees without its result).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent import steps
from lettalite.agent.approvals import (
    CANCELLED,
    NOTHING_PENDING,
    TurnRefused,
    answer_for,
    denial,
    match_answers,
)
from lettalite.agent.compaction import (
    COMPACT_AT,
    KEEP_AT_MOST,
    SUMMARY_ALLOWANCE,
    ContextOverflow,
    compact,
    remember_token_counts,
)
from lettalite.agent.context import stored_call
from lettalite.agent.conversation import ConversationRef, load_conversation
from lettalite.agent.deltas import DeltaRenderer
from lettalite.agent.embedder import Embedder
from lettalite.agent.render import letta_messages
from lettalite.agent.request import StepRequest, build_request
from lettalite.agent.ruled_calls import history_after, prepare_calls, prepare_parked
from lettalite.agent.tokens import estimate_message, estimate_tools
from lettalite.agent.tool_rules import CallHistory, StepRules, ToolRules
from lettalite.agent.toolbox import (
    PreparedCall,
    StepScope,
    Toolbox,
    ToolKinds,
    ToolOutcome,
    build_toolbox,
    run_ahead,
    run_call,
)
from lettalite.agent.turn import (
    EventSink,
    RunEnd,
    StepCall,
    StepEnding,
    Turn,
    TurnCancelled,
    TurnFailed,
    TurnResult,
)
from lettalite.db import messages as message_queries
from lettalite.db.base import utcnow
from lettalite.db.models import MessageRow
from lettalite.db.runs import LastRun
from lettalite.db.session import Database
from lettalite.llm.catalog import ModelHandle
from lettalite.llm.types import (
    ChatRequest,
    Completion,
    CompletionDelta,
    LLMClient,
    LLMError,
)
from lettalite.schemas.message import ApprovalCreate, MessageCreate, StopReasonType

OVERFLOW_RETRIES = 2
DEFAULT_RETURN_CHAR_LIMIT = 50000  # a call to a tool that is not offered: a short error
T = TypeVar("T")


@dataclass(frozen=True)
class CallModel:
    """Ask the model for its next message; `inputs` are stored with that step. `calls` are
    the tool calls that ran so far in this request, which the agent's tool rules read."""

    inputs: list[MessageRow]
    calls: CallHistory = field(default_factory=CallHistory)


@dataclass(frozen=True)
class AnswerApprovals:
    """Store the client's answers to the paused step, run what was approved, then go on."""

    answer: ApprovalCreate
    followups: list[MessageRow]


@dataclass(frozen=True)
class Stop:
    reason: StopReasonType
    failure: TurnFailed | None = None


TurnState = CallModel | AnswerApprovals | Stop


def first_state(turn: Turn) -> TurnState:
    first, *rest = turn.inputs
    messages = [m for m in rest if isinstance(m, MessageCreate)]
    if isinstance(first, ApprovalCreate):
        return AnswerApprovals(first, [steps.input_row(turn, m) for m in messages])
    return CallModel([steps.input_row(turn, m) for m in [first, *messages]])


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


class TurnRunner:
    def __init__(
        self,
        database: Database,
        llm_for: Callable[[ModelHandle], LLMClient],
        tool_kinds: ToolKinds,
    ) -> None:
        self._database = database
        self.llm_for = llm_for
        self.tool_kinds = tool_kinds

    async def run(
        self, turn: Turn, emit: EventSink, cancelled: asyncio.Event, end: RunEnd | None = None
    ) -> TurnResult:
        """Run the turn; `end` stores the run's end with the last step when it can."""
        result = TurnResult(run_ids=[turn.run_id])
        state = first_state(turn)
        try:
            while not isinstance(state, Stop):
                if cancelled.is_set():
                    raise TurnCancelled
                if isinstance(state, AnswerApprovals):
                    state = await self._answer_approvals(turn, state, emit, cancelled)
                else:
                    state = await self._model_step(turn, state, emit, cancelled, result, end)
        except TurnCancelled:
            state = Stop("cancelled")
        except TurnRefused as refused:
            failure = TurnFailed(refused.error_type, refused.detail, refused.pending_message_id)
            state = Stop("error", failure)
        result.stop_reason, result.failure = state.reason, state.failure
        return result

    async def _model_step(
        self,
        turn: Turn,
        state: CallModel,
        emit: EventSink,
        cancelled: asyncio.Event,
        result: TurnResult,
        end: RunEnd | None,
    ) -> TurnState:
        call = StepCall()
        try:
            completion, toolbox, rules = await until_cancelled(
                self._fit_and_call(turn, state, call, emit, result), cancelled
            )
        except LLMError as error:
            return Stop("llm_api_error", TurnFailed("llm_error", error.detail))
        except ContextOverflow as error:
            reason = "context_window_overflow_in_system_prompt"
            return Stop(reason, TurnFailed(reason, str(error)))
        finally:
            call.llm_seconds = time.perf_counter() - call.started
            result.llm_seconds += call.llm_seconds
        result.add(completion.usage)
        prepared = prepare_calls(toolbox, rules, completion.tool_calls)
        paused = any(p.awaits_approval for p in prepared)
        ahead: list[ToolOutcome | None] = [None] * len(prepared)
        if not paused:
            ahead = await until_cancelled(run_ahead(prepared, toolbox.agent), cancelled)
        # Without tool calls to run, what follows the step is known before it is stored.
        known = None
        if paused:
            known = Stop("requires_approval")
        elif not prepared:
            known = _after_step(turn, state.calls, rules, completion, [], result.steps - 1)
        ending = None
        if isinstance(known, Stop) and end is not None:
            result.stop_reason = known.reason
            await end.prepare()
            ending = StepEnding(end, result, LastRun(known.reason, utcnow()))
        rows = await self._commit_step(
            turn, call, state.inputs, completion, prepared, ahead, ending
        )
        result.recorded = ending is not None
        self._emit(turn, rows, emit)
        if known is not None:
            return known
        ran = list(zip(prepared, [row for row in rows if row.role == "tool"], strict=True))
        return _after_step(turn, state.calls, rules, completion, ran, result.steps - 1)

    async def _commit_step(
        self,
        turn: Turn,
        call: StepCall,
        inputs: list[MessageRow],
        completion: Completion,
        prepared: list[PreparedCall],
        ahead: list[ToolOutcome | None],
        ending: StepEnding | None,
    ) -> list[MessageRow]:
        """Store the step's input and the model's message; run its tool calls and store their
        results (`ahead`: those that ran before the transaction), or, when one of them waits
        for an answer, pause the conversation on it. `ending` stores the run's end with them."""
        paused = any(p.awaits_approval for p in prepared)
        embedder = Embedder(self.llm_for)
        if not paused:
            await steps.embed_ahead(turn.embedding, embedder, prepared)
        async with self._database.session() as session:
            produced: list[MessageRow] = []
            if (message := steps.assistant_row(turn, call, completion, prepared)) is not None:
                produced.append(message)
            if prepared:  # without calls, storing the messages reads nothing first
                conversation = await load_conversation(session, turn.where, for_writing=True)
                if paused:
                    conversation.window.pending_approval_message_id = call.message_id
                else:
                    scope = StepScope(session, conversation, embedder)
                    outcomes = [
                        done or await run_call(p, scope)
                        for p, done in zip(prepared, ahead, strict=True)
                    ]
                    produced += [
                        steps.tool_row(turn.agent_id, p.request, outcome, _limit(p), call.step_id)
                        for p, outcome in zip(prepared, outcomes, strict=True)
                    ]
                    await steps.refresh_after(session, conversation, outcomes)
            last_run = ending.last_run if ending is not None else None
            await steps.store(session, turn.where, turn.run_id, [*inputs, *produced], last_run)
            session.add(steps.step_row(turn, call, completion))
            if ending is not None:
                await ending.record(session)
        remember_token_counts(turn.agent_id, completion.usage.prompt_tokens, call.estimated_tokens)
        return produced

    async def _answer_approvals(
        self, turn: Turn, state: AnswerApprovals, emit: EventSink, cancelled: asyncio.Event
    ) -> TurnState:
        """Answer every call of the paused step: the client's results and denials as given,
        approved and never-waiting calls run here. Then the model sees them all."""
        async with self._database.session() as session:
            conversation = await load_conversation(session, turn.where)
            pending_id = conversation.window.pending_approval_message_id
            if pending_id is None:
                return await self._answered_before(session, turn, state)
            pending = await message_queries.get_message(session, pending_id)
            toolbox = build_toolbox(conversation, self.tool_kinds, turn.client_tools)
            terminal = ToolRules.of(conversation.agent.tool_rules).terminal
        answers = match_answers(state.answer, pending)
        plan = [
            (prepare_parked(toolbox, raw), answer_for(raw["id"], answers))
            for raw in pending.tool_calls or ()
        ]
        runs_here = [p for p, answer in plan if answer.runs_here]
        embedder = Embedder(self.llm_for)
        await steps.embed_ahead(turn.embedding, embedder, runs_here)
        # Cancelled meanwhile: the answers are not stored and the conversation stays paused.
        ran = await until_cancelled(run_ahead(runs_here, toolbox.agent), cancelled)
        ahead = {p.request.id: outcome for p, outcome in zip(runs_here, ran, strict=True)}
        async with self._database.session() as session:
            conversation = await load_conversation(session, turn.where, for_writing=True)
            if conversation.window.pending_approval_message_id != pending.id:
                raise TurnRefused("invalid_approval", "The pending approval changed; retry.")
            scope = StepScope(session, conversation, embedder)
            outcomes = [
                answer.outcome or ahead.get(p.request.id) or await run_call(p, scope)
                for p, answer in plan
            ]
            answered = steps.approval_row(turn.agent_id, list(answers.values()), state.answer.otid)
            results = [
                steps.tool_row(turn.agent_id, p.request, outcome, _limit(p), pending.step_id)
                for (p, _), outcome in zip(plan, outcomes, strict=True)
            ]
            conversation.window.pending_approval_message_id = None
            await steps.refresh_after(session, conversation, outcomes)
            await steps.store(session, turn.where, turn.run_id, [answered, *results])
        ran = [(p, row) for (p, answer), row in zip(plan, results, strict=True) if answer.runs_here]
        self._emit(turn, [row for _, row in ran], emit)
        calls = history_after(CallHistory(), ran)
        if not state.followups and terminal.intersection(calls.names):
            return Stop("tool_rule")
        return CallModel(state.followups, calls)

    async def preview(self, turn: Turn) -> dict[str, Any]:
        """The provider request the turn's first model call would send; nothing is stored."""
        state = first_state(turn)
        first_call = state if isinstance(state, CallModel) else CallModel([])
        step = await build_request(
            self._database, self.tool_kinds, turn, first_call.inputs, first_call.calls
        )
        return self.llm_for(turn.model).request_body(step.request)

    async def deny_pending(self, where: ConversationRef) -> str | None:
        """Close a paused conversation as cancelled: every waiting (and parked) call gets a
        denial as its result, so the model never sees a call without one. Returns the run
        that paused, or None when nothing was waiting."""
        async with self._database.session() as session:
            conversation = await load_conversation(session, where, for_writing=True)
            pending_id = conversation.window.pending_approval_message_id
            if pending_id is None:
                return None
            pending = await message_queries.get_message(session, pending_id)
            denials = [
                steps.tool_row(
                    where.agent_id,
                    stored_call(raw),
                    denial(CANCELLED),
                    DEFAULT_RETURN_CHAR_LIMIT,
                    None,
                )
                for raw in pending.tool_calls or ()
            ]
            conversation.window.pending_approval_message_id = None
            await steps.store(session, where, pending.run_id, denials)
        return pending.run_id

    @staticmethod
    async def _answered_before(
        session: AsyncSession, turn: Turn, state: AnswerApprovals
    ) -> TurnState:
        """Answers to calls that have their results already: a re-send (after the model
        failed, say). Go on where the turn stopped; if the model has answered meanwhile,
        there is nothing left to do."""
        call_ids = {item.tool_call_id for item in state.answer.approvals or ()}
        key = turn.where.conversation_id
        answered = await message_queries.answered_call_ids(session, turn.agent_id, key, call_ids)
        if not call_ids or answered != call_ids:
            raise TurnRefused("invalid_approval", NOTHING_PENDING)
        if state.followups:
            return CallModel(state.followups)
        latest = await message_queries.latest_message(session, turn.agent_id, key)
        return CallModel([]) if latest is not None and latest.role == "tool" else Stop("end_turn")

    @staticmethod
    def _emit(turn: Turn, rows: list[MessageRow], emit: EventSink) -> None:
        for row in rows:
            if turn.stream_tokens and row.role == "assistant":
                continue  # already streamed as deltas
            for message in letta_messages(row):
                emit(message)

    async def _fit_and_call(
        self,
        turn: Turn,
        state: CallModel,
        call: StepCall,
        emit: EventSink,
        result: TurnResult,
    ) -> tuple[Completion, Toolbox, StepRules]:
        """Call the model, compacting the history first if the request would not fit.

        If the provider still reports an overflow (our estimate was low), compact harder
        and try again, a bounded number of times.
        """
        llm = self.llm_for(turn.model)
        attempt = 0
        while True:
            step = await build_request(
                self._database, self.tool_kinds, turn, state.inputs, state.calls
            )
            if attempt > 0 or step.estimate * step.scale > COMPACT_AT * step.window:
                pending = len(state.inputs)
                await self._compact(llm, turn, step, pending, attempt)
                step = await build_request(
                    self._database, self.tool_kinds, turn, state.inputs, state.calls
                )
            call.estimated_tokens = step.estimate
            call.request_body = llm.request_body(step.request)
            try:
                completion = await self._call_model(
                    llm, step.request, turn, step.toolbox, call, emit, result
                )
            except LLMError as error:
                if not error.context_overflow or attempt == OVERFLOW_RETRIES:
                    raise
                attempt += 1
                continue
            return completion, step.toolbox, step.rules

    async def _compact(
        self,
        llm: LLMClient,
        turn: Turn,
        step: StepRequest,
        pending_count: int,
        halvings: int,
    ) -> None:
        """Compact so the request fits; sizes are in estimated tokens, `scale` converts."""
        request, window, scale = step.request, step.window, step.scale
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
            self._database, llm, where=turn.where, model=turn.model, keep_tokens=max(budget, 0)
        )

    async def _call_model(
        self,
        llm: LLMClient,
        request: ChatRequest,
        turn: Turn,
        toolbox: Toolbox,
        call: StepCall,
        emit: EventSink,
        result: TurnResult,
    ) -> Completion:
        started = call.started
        if not turn.stream_tokens:
            completion = await llm.complete(request)
            result.first_token_seconds = result.first_token_seconds or (
                time.perf_counter() - started
            )
            return completion
        renderer = DeltaRenderer(
            call.message_id, turn.run_id, call.step_id, utcnow(), toolbox.awaits_approval
        )
        async for item in llm.stream(request):
            if result.first_token_seconds is None:
                result.first_token_seconds = time.perf_counter() - started
            if isinstance(item, Completion):
                return item
            if isinstance(item, CompletionDelta) and (message := renderer.render(item)):
                emit(message)
        raise LLMError("The model provider's stream ended without a completion.")


def _limit(call: PreparedCall) -> int:
    return call.tool.return_char_limit if call.tool is not None else DEFAULT_RETURN_CHAR_LIMIT


def _after_step(
    turn: Turn,
    before: CallHistory,
    rules: StepRules,
    completion: Completion,
    ran: Sequence[tuple[PreparedCall, MessageRow]],
    step: int,
) -> TurnState:
    """What follows a step whose calls ran: after a terminal tool the turn ends (`tool_rule`);
    an answer that would end it while a required tool is uncalled gets a heartbeat instead,
    unless this was the last step allowed."""
    calls = history_after(before, ran)
    if rules.terminal.intersection(calls.names[len(before.names) :]):
        return Stop("tool_rule")
    reason = next_action(completion, step, turn.max_steps)
    missing = rules.missing_before_exit(calls)
    if reason == "end_turn" and missing and step + 1 < turn.max_steps:
        return CallModel([steps.heartbeat_row(turn, missing)], calls)
    return Stop(reason) if reason is not None else CallModel([], calls)
