"""A run's events, in order, for as many readers as want them: what a live turn publishes,
or what replay rebuilt from the database. JSON responses, streams and callbacks read it."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from lettalite.agent.turn import TurnEvent, TurnResult
from lettalite.schemas.message import (
    LettaMessageBase,
    LettaResponse,
    StopReason,
    UsageStatistics,
)

RunEvent = TurnEvent | StopReason | UsageStatistics


@dataclass
class RunHandle:
    """A run's events, in order, for as many readers as want them."""

    run_id: str
    agent_id: str
    request_key: str | None = None
    conversation_id: str | None = None
    events: list[RunEvent] = field(default_factory=list)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    result: TurnResult | None = None
    _listeners: set[asyncio.Event] = field(default_factory=set)

    def publish(self, event: RunEvent) -> None:
        if "seq_id" in getattr(type(event), "model_fields", {}):
            event = event.model_copy(update={"seq_id": len(self.events) + 1})
        self.events.append(event)
        for listener in self._listeners:
            listener.set()

    def finish(self) -> None:
        self.finished.set()
        for listener in self._listeners:
            listener.set()

    async def follow(
        self, starting_after: int = 0, *, idle_seconds: float | None = None
    ) -> AsyncIterator[RunEvent | None]:
        """Events after the first `starting_after`, live until the run ends.

        Yields None whenever `idle_seconds` pass without an event (for keep-alive pings).
        """
        cursor = starting_after
        wakeup = asyncio.Event()
        self._listeners.add(wakeup)
        try:
            while True:
                while cursor < len(self.events):
                    cursor += 1
                    yield self.events[cursor - 1]
                if self.finished.is_set():
                    return
                wakeup.clear()
                try:
                    await asyncio.wait_for(wakeup.wait(), timeout=idle_seconds)
                except TimeoutError:
                    yield None
        finally:
            self._listeners.discard(wakeup)


def letta_response(events: list[RunEvent]) -> LettaResponse:
    """A finished run's events as the JSON body of a non-streaming send."""
    messages = [event for event in events if isinstance(event, LettaMessageBase)]
    stop = next(event for event in events if isinstance(event, StopReason))
    usage = next(event for event in events if isinstance(event, UsageStatistics))
    return LettaResponse(messages=messages, stop_reason=stop, usage=usage)
