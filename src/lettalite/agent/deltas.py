"""Token streaming: the model's deltas rendered as partial Letta messages.

Every fragment of one model message carries that message's (pre-allocated) id and the otid of
the part it belongs to, so a client can concatenate fragments into the stored message.
"""

from dataclasses import dataclass, field
from datetime import datetime

from lettalite.ids import part_otid
from lettalite.llm.types import CompletionDelta
from lettalite.schemas.message import (
    AssistantMessage,
    LettaMessage,
    ReasoningMessage,
    ToolCallDelta,
    ToolCallMessage,
)


@dataclass
class DeltaRenderer:
    message_id: str
    run_id: str
    step_id: str
    date: datetime
    # Parts in the order they first appear; the stored message renders in the same order
    # (reasoning, text, then each tool call), so otids match.
    _parts: list[str] = field(default_factory=list)

    def _otid(self, part: str) -> str:
        if part not in self._parts:
            self._parts.append(part)
        return part_otid(self.message_id, self._parts.index(part))

    def render(self, delta: CompletionDelta) -> LettaMessage | None:
        common = {
            "id": self.message_id,
            "date": self.date,
            "run_id": self.run_id,
            "step_id": self.step_id,
        }
        if delta.reasoning:
            return ReasoningMessage(
                reasoning=delta.reasoning, otid=self._otid("reasoning"), **common
            )
        if delta.content:
            return AssistantMessage(content=delta.content, otid=self._otid("text"), **common)
        if delta.tool_call_index is not None:
            fragment = ToolCallDelta(
                name=delta.tool_name,
                arguments=delta.tool_arguments,
                tool_call_id=delta.tool_call_id,
            )
            return ToolCallMessage(
                tool_call=fragment,
                tool_calls=fragment,
                otid=self._otid(f"call-{delta.tool_call_index}"),
                **common,
            )
        return None
