"""Sending messages to an agent: a turn of the loop, rendered as a `LettaResponse`."""

from dataclasses import dataclass

from lettalite.agent.loop import Turn, TurnFailed, TurnRunner, TurnTiming
from lettalite.errors import LLMProviderError
from lettalite.schemas.message import (
    LettaMessage,
    LettaRequest,
    LettaResponse,
    StopReason,
    UsageStatistics,
)


def turn_from_request(agent_id: str, request: LettaRequest) -> Turn:
    return Turn(
        agent_id=agent_id,
        inputs=request.input_messages(),
        max_steps=request.max_steps,
        override_model=request.override_model,
    )


@dataclass(frozen=True)
class TurnOutcome:
    response: LettaResponse
    llm_seconds: float


async def send_message(runner: TurnRunner, agent_id: str, request: LettaRequest) -> TurnOutcome:
    messages: list[LettaMessage] = []
    failure: TurnFailed | None = None
    stop: StopReason | None = None
    usage: UsageStatistics | None = None
    llm_seconds = 0.0
    async for event in runner.run(turn_from_request(agent_id, request)):
        if isinstance(event, TurnFailed):
            failure = event
        elif isinstance(event, StopReason):
            stop = event
        elif isinstance(event, UsageStatistics):
            usage = event
        elif isinstance(event, TurnTiming):
            llm_seconds = event.llm_seconds
        else:
            messages.append(event)
    if failure is not None:
        raise LLMProviderError(
            f"The agent's turn failed ({stop and stop.stop_reason}): {failure.detail}"
        )
    assert stop is not None and usage is not None
    wanted = request.include_return_message_types
    if wanted is not None:
        messages = [message for message in messages if message.message_type in wanted]
    response = LettaResponse(messages=messages, stop_reason=stop, usage=usage)
    return TurnOutcome(response=response, llm_seconds=llm_seconds)
