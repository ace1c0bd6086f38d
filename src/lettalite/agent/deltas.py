"""Token streaming: the model's deltas rendered as partial Letta messages.

Every fragment of one model message carries that message's (pre-allocated) id and the otid of
the part it belongs to, so a client can concatenate fragments into the stored message.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from lettalite.ids import part_otid
from lettalite.llm.types import CompletionDelta
from lettalite.schemas.message import (
    ApprovalRequestMessage,
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
    # Whether a call to this tool waits for the client or a human: its fragments are then
    # approval requests, so the client knows to run or ask while the arguments arrive.
    awaits_approval: Callable[[str], bool] = lambda _name: False
    # Parts in the order they first appear; the stored message renders in the same order
    # (reasoning, text, then each tool call), so otids match.
    _parts: list[str] = field(default_factory=list)
    _call_names: dict[int, str] = field(default_factory=dict)

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
            index = delta.tool_call_index
            name = self._call_names.setdefault(index, "") + (delta.tool_name or "")
            self._call_names[index] = name
            fragment = ToolCallDelta(
                name=delta.tool_name,
                arguments=delta.tool_arguments,
                tool_call_id=delta.tool_call_id,
            )
            kind = ApprovalRequestMessage if self.awaits_approval(name) else ToolCallMessage
            return kind(
                tool_call=fragment,
                tool_calls=fragment,
                otid=self._otid(f"call-{index}"),
                **common,
            )
        return None
