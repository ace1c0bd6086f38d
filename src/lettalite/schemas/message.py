"""Messages on the wire: the send request, Letta's typed messages and `LettaResponse`."""

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from lettalite.schemas.common import MessageTime, RequestModel, WireModel

MessageType = Literal[
    "system_message",
    "user_message",
    "assistant_message",
    "reasoning_message",
    "hidden_reasoning_message",
    "tool_call_message",
    "tool_return_message",
    "approval_request_message",
    "approval_response_message",
    "summary_message",
    "event_message",
]
StopReasonType = Literal[
    "end_turn",
    "error",
    "llm_api_error",
    "invalid_llm_response",
    "invalid_tool_call",
    "max_steps",
    "max_tokens_exceeded",
    "no_tool_call",
    "tool_rule",
    "cancelled",
    "requires_approval",
    "context_window_overflow_in_system_prompt",
]
DEFAULT_MAX_STEPS = 50
MAX_STEPS_CAP = 1000


class TextPart(RequestModel):
    type: Literal["text"] = "text"
    text: str


class MessageCreate(RequestModel):
    type: Literal["message"] = "message"
    role: Literal["user", "system", "assistant"]
    content: str | list[TextPart]
    name: str | None = None
    otid: str | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "\n".join(part.text for part in self.content)


class LettaRequest(RequestModel):
    messages: list[MessageCreate] | None = None
    input: str | list[TextPart] | None = None
    max_steps: int = Field(DEFAULT_MAX_STEPS, ge=1, le=MAX_STEPS_CAP)
    include_return_message_types: list[MessageType] | None = None
    override_model: str | None = None
    use_assistant_message: bool = True

    @model_validator(mode="after")
    def _exactly_one_input(self) -> "LettaRequest":
        if self.messages is not None and self.input is not None:
            raise ValueError("Cannot specify both 'input' and 'messages'. Use one or the other.")
        if self.messages is None and self.input is None:
            raise ValueError("Must specify either 'input' or 'messages'.")
        if self.messages is not None and not self.messages:
            raise ValueError("'messages' must not be empty.")
        return self

    def input_messages(self) -> list[MessageCreate]:
        """The request's input as messages: `input` is sugar for one user message."""
        if self.messages is not None:
            return self.messages
        assert self.input is not None
        return [MessageCreate(role="user", content=self.input)]


class LettaMessageBase(WireModel):
    id: str
    date: MessageTime
    name: str | None = None
    otid: str | None = None
    sender_id: str | None = None
    step_id: str | None = None
    is_err: bool | None = None
    seq_id: int | None = None
    run_id: str | None = None


class SystemMessage(LettaMessageBase):
    message_type: Literal["system_message"] = "system_message"
    content: str


class UserMessage(LettaMessageBase):
    message_type: Literal["user_message"] = "user_message"
    content: str | list[dict[str, Any]]


class AssistantMessage(LettaMessageBase):
    message_type: Literal["assistant_message"] = "assistant_message"
    content: str


class ReasoningMessage(LettaMessageBase):
    message_type: Literal["reasoning_message"] = "reasoning_message"
    source: Literal["reasoner_model", "non_reasoner_model"] = "reasoner_model"
    reasoning: str
    signature: str | None = None


class ToolCall(WireModel):
    name: str
    arguments: str
    tool_call_id: str


class ToolCallMessage(LettaMessageBase):
    message_type: Literal["tool_call_message"] = "tool_call_message"
    tool_call: ToolCall
    tool_calls: list[ToolCall]


class ToolReturn(WireModel):
    type: Literal["tool"] = "tool"
    tool_return: str
    status: Literal["success", "error"]
    tool_call_id: str
    stdout: list[str] | None = None
    stderr: list[str] | None = None


class ToolReturnMessage(LettaMessageBase):
    message_type: Literal["tool_return_message"] = "tool_return_message"
    tool_return: str
    status: Literal["success", "error"]
    tool_call_id: str
    stdout: list[str] | None = None
    stderr: list[str] | None = None
    tool_returns: list[ToolReturn]


LettaMessage = Annotated[
    SystemMessage
    | UserMessage
    | AssistantMessage
    | ReasoningMessage
    | ToolCallMessage
    | ToolReturnMessage,
    Field(discriminator="message_type"),
]


class StopReason(WireModel):
    message_type: Literal["stop_reason"] = "stop_reason"
    stop_reason: StopReasonType


class UsageStatistics(WireModel):
    message_type: Literal["usage_statistics"] = "usage_statistics"
    completion_tokens: int = 0
    prompt_tokens: int = 0
    total_tokens: int = 0
    step_count: int = 0
    run_ids: list[str] | None = None
    context_tokens: int | None = None


class LettaResponse(WireModel):
    messages: list[LettaMessage]
    stop_reason: StopReason
    usage: UsageStatistics
