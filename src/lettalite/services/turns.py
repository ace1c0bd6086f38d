"""Sending messages to an agent: a turn of the loop, rendered as a `LettaResponse`."""

from lettalite.agent.loop import Turn, TurnFailed, TurnRunner
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


async def send_message(runner: TurnRunner, agent_id: str, request: LettaRequest) -> LettaResponse:
    messages: list[LettaMessage] = []
    failure: TurnFailed | None = None
    stop: StopReason | None = None
    usage: UsageStatistics | None = None
    async for event in runner.run(turn_from_request(agent_id, request)):
        if isinstance(event, TurnFailed):
            failure = event
        elif isinstance(event, StopReason):
            stop = event
        elif isinstance(event, UsageStatistics):
            usage = event
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
    return LettaResponse(messages=messages, stop_reason=stop, usage=usage)
