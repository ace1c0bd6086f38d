"""A turn's inputs, its running totals and how it ended; shared by the loop and the runs."""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.conversation import ConversationRef
from lettalite.db.runs import LastRun
from lettalite.ids import new_id
from lettalite.llm.catalog import ModelHandle
from lettalite.llm.types import ToolDefinition, Usage
from lettalite.schemas.message import LettaMessage, StopReasonType, TurnInput, UsageStatistics


@dataclass(frozen=True)
class TurnFailed:
    """The turn ended early; `detail` says why (e.g. the provider's error)."""

    error_type: str
    detail: str
    # The message waiting for approval, when that is why a new message was refused.
    pending_message_id: str | None = None


TurnEvent = LettaMessage | TurnFailed
EventSink = Callable[[TurnEvent], None]


class TurnCancelled(Exception):
    """Raised inside the loop when a cancel request interrupts it."""


@dataclass(frozen=True)
class Turn:
    where: ConversationRef
    run_id: str
    model: ModelHandle
    embedding: str | None  # the agent's embedding handle, for its archival tools
    inputs: Sequence[TurnInput]
    max_steps: int
    stream_tokens: bool = False
    # Tools the client runs itself, offered beside the agent's for this request only.
    client_tools: tuple[ToolDefinition, ...] = ()
    # Replaces the system prompt for this request only.
    system_override: str | None = None
    # Appended to the system prompt for this request only (the client's skills).
    system_addendum: str | None = None

    @property
    def agent_id(self) -> str:
        return self.where.agent_id


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
    recorded: bool = False  # the run's end is stored (by the last step's transaction)

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


class RunEnd(Protocol):
    """How a run's end is stored. A step whose outcome is known before it is stored (it made
    no tool calls, or it pauses for approval) stores the run's end in its own transaction."""

    async def prepare(self) -> None:
        """Called before that transaction opens."""

    async def record(self, session: AsyncSession, result: TurnResult, last_run: LastRun) -> None:
        """Called in it, after the step's rows, which stored `last_run` as the agent's."""


@dataclass
class StepCall:
    """One model call: its identity, and the message id its output will be stored under."""

    step_id: str = field(default_factory=lambda: new_id("step"))
    message_id: str = field(default_factory=lambda: new_id("message"))
    started: float = field(default_factory=time.perf_counter)
    llm_seconds: float = 0.0
    estimated_tokens: int = 0  # our estimate of the request sent, kept beside the provider's
    request_body: dict[str, Any] | None = None  # the provider request sent, for the trace


@dataclass(frozen=True)
class StepEnding:
    """The run ends with this step: its rows record `last_run` as the agent's last run, and
    `end` stores the rest of the run's end in the same transaction."""

    end: RunEnd
    result: TurnResult
    last_run: LastRun

    async def record(self, session: AsyncSession) -> None:
        await self.end.record(session, self.result, self.last_run)
