"""One agent turn: build the request, call the model, run its tool calls, decide, repeat.

The loop yields typed events; a JSON response and an SSE stream are two renderings of the
same events. Each step commits once: its input, the model's message, the tool results and
every memory edit land together or not at all, so a failed step leaves no trace in the
agent's context.
"""

import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from lettalite.agent.context import assistant_content, chat_message
from lettalite.agent.tool_runner import run_tool_call, truncate
from lettalite.db import agents as agent_queries
from lettalite.db import blocks as block_queries
from lettalite.db import messages as message_queries
from lettalite.db.base import utcnow
from lettalite.db.models import AgentRow, MessageRow, RunRow
from lettalite.db.session import Database
from lettalite.ids import new_id
from lettalite.llm.catalog import ModelHandle, resolve_model
from lettalite.llm.providers import Providers
from lettalite.llm.types import ChatRequest, Completion, LLMError, ToolDefinition, Usage
from lettalite.schemas.message import (
    LettaMessage,
    MessageCreate,
    StopReason,
    StopReasonType,
    UsageStatistics,
)
from lettalite.services.memory import recompile_system_prompt, recompile_system_prompts
from lettalite.services.views import letta_messages
from lettalite.tools import TOOLS, ToolSpec

TOOL_RETURN_CHAR_LIMIT = 50000


@dataclass(frozen=True)
class TurnFailed:
    """The turn ended early; `detail` says why (e.g. the provider's error)."""

    error_type: str
    detail: str


@dataclass(frozen=True)
class TurnTiming:
    """Time spent waiting for the model, so callers can tell it from the server's own work."""

    llm_seconds: float


TurnEvent = LettaMessage | TurnFailed | StopReason | UsageStatistics | TurnTiming


@dataclass(frozen=True)
class Turn:
    agent_id: str
    inputs: Sequence[MessageCreate]
    max_steps: int
    override_model: str | None = None


@dataclass
class UsageTotals:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    steps: int = 0
    last_total: int = 0
    llm_seconds: float = 0.0
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


def _input_row(agent_id: str, run_id: str, message: MessageCreate) -> MessageRow:
    return MessageRow(
        id=new_id("message"),
        agent_id=agent_id,
        sequence=0,
        role=message.role,
        content=[{"type": "text", "text": message.text}],
        name=message.name,
        otid=message.otid or new_id("message").removeprefix("message-"),
        run_id=run_id,
    )


def _tool_definitions(agent: AgentRow) -> tuple[dict[str, ToolSpec], list[ToolDefinition]]:
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


class TurnRunner:
    def __init__(self, database: Database, providers: Providers) -> None:
        self._database = database
        self._providers = providers

    async def run(self, turn: Turn) -> AsyncIterator[TurnEvent]:
        run_id, model = await self._start_run(turn)
        llm = self._providers.client_for(model)
        pending = [_input_row(turn.agent_id, run_id, message) for message in turn.inputs]
        totals = UsageTotals(run_ids=[run_id])
        stop: StopReasonType = "max_steps"
        for step in range(turn.max_steps):
            step_id = new_id("step")
            request, attached = await self._build_request(turn.agent_id, model, pending)
            started = time.perf_counter()
            try:
                completion = await llm.complete(request)
            except LLMError as error:
                stop = "llm_api_error"
                yield TurnFailed(error_type="llm_error", detail=error.detail)
                break
            finally:
                totals.llm_seconds += time.perf_counter() - started
            totals.add(completion.usage)
            rows = await self._commit_step(
                turn.agent_id, run_id, step_id, model, pending, completion, attached
            )
            pending = []
            for row in rows:
                for message in letta_messages(row):
                    yield message
            reason = next_action(completion, step, turn.max_steps)
            if reason is not None:
                stop = reason
                break
        await self._finish_run(turn.agent_id, run_id, stop, totals)
        yield StopReason(stop_reason=stop)
        yield totals.statistics()
        yield TurnTiming(llm_seconds=totals.llm_seconds)

    async def _start_run(self, turn: Turn) -> tuple[str, ModelHandle]:
        async with self._database.session() as session:
            agent = await agent_queries.get_agent(session, turn.agent_id)
            model = resolve_model(turn.override_model or agent.model)
            run = RunRow(
                id=new_id("run"),
                agent_id=agent.id,
                status="running",
                request_config={"max_steps": turn.max_steps},
                metadata_={},
            )
            session.add(run)
        return run.id, model

    async def _build_request(
        self, agent_id: str, model: ModelHandle, pending: list[MessageRow]
    ) -> tuple[ChatRequest, dict[str, ToolSpec]]:
        async with self._database.session() as session:
            agent = await agent_queries.get_agent(session, agent_id)
            history = await message_queries.in_context_messages(session, agent)
        attached, definitions = _tool_definitions(agent)
        request = ChatRequest(
            model=model.model,
            messages=[chat_message(row) for row in [*history, *pending]],
            tools=definitions,
            temperature=agent.temperature,
            max_tokens=agent.max_tokens,
        )
        return request, attached

    async def _commit_step(
        self,
        agent_id: str,
        run_id: str,
        step_id: str,
        model: ModelHandle,
        pending: list[MessageRow],
        completion: Completion,
        attached: dict[str, ToolSpec],
    ) -> list[MessageRow]:
        """Store the step's input, the model's message and tool results, and apply edits."""
        async with self._database.session() as session:
            agent = await agent_queries.get_agent(session, agent_id)
            produced: list[MessageRow] = []
            content = assistant_content(completion)
            if content or completion.tool_calls:
                produced.append(
                    MessageRow(
                        id=new_id("message"),
                        agent_id=agent_id,
                        role="assistant",
                        content=content,
                        tool_calls=[
                            {"id": c.id, "name": c.name, "arguments": c.arguments}
                            for c in completion.tool_calls
                        ]
                        or None,
                        model=model.handle,
                    )
                )
            changed: set[str] = set()
            for call in completion.tool_calls:
                outcome = await run_tool_call(session, agent, call, attached)
                changed |= outcome.changed_block_ids
                envelope = truncate(outcome.envelope(utcnow()), TOOL_RETURN_CHAR_LIMIT)
                produced.append(
                    MessageRow(
                        id=new_id("message"),
                        agent_id=agent_id,
                        role="tool",
                        name=call.name,
                        content=[{"type": "text", "text": envelope}],
                        tool_call_id=call.id,
                        tool_status=outcome.status,
                    )
                )
            rows = [*pending, *produced]
            first = await agent_queries.allocate_sequences(session, agent_id, len(rows))
            for offset, row in enumerate(rows):
                row.sequence = first + offset
                row.run_id = run_id
                row.step_id = row.step_id or (step_id if row in produced else None)
                session.add(row)
            await session.flush()
            if changed:
                await recompile_system_prompt(session, agent)
                sharing = await block_queries.agent_ids_of_blocks(session, changed)
                await recompile_system_prompts(session, set(sharing) - {agent_id})
        return produced

    async def _finish_run(
        self, agent_id: str, run_id: str, stop: StopReasonType, totals: UsageTotals
    ) -> None:
        async with self._database.session() as session:
            run = await session.get(RunRow, run_id)
            assert run is not None
            run.status = RUN_STATUS.get(stop, "failed")
            run.stop_reason = stop
            run.completed_at = utcnow()
            run.usage = totals.statistics().model_dump(exclude={"message_type", "run_ids"})
            agent = await session.get(AgentRow, agent_id)
            if agent is not None:
                agent.last_stop_reason = stop
                agent.last_run_completion = run.completed_at


RUN_STATUS: dict[str, str] = {
    "end_turn": "completed",
    "max_steps": "completed",
    "tool_rule": "completed",
    "requires_approval": "completed",
    "cancelled": "cancelled",
}
