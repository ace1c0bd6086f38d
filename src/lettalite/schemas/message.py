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
    """The body of every send: `POST .../messages`, `.../messages/stream`, `.../messages/async`."""

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


class ToolCallDelta(WireModel):
    """A fragment of a tool call while tokens stream; `arguments` is a piece of the JSON."""

    name: str | None = None
    arguments: str | None = None
    tool_call_id: str | None = None


class ToolCallMessage(LettaMessageBase):
    message_type: Literal["tool_call_message"] = "tool_call_message"
    tool_call: ToolCall | ToolCallDelta
    tool_calls: list[ToolCall] | ToolCallDelta


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


class LettaPing(LettaMessageBase):
    """Sent first on every stream and while the model is silent, so connections stay open."""

    message_type: Literal["ping"] = "ping"


class LettaErrorMessage(WireModel):
    message_type: Literal["error_message"] = "error_message"
    run_id: str
    error_type: str
    message: str
    detail: str | None = None
    seq_id: int | None = None


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


class LettaStreamingRequest(LettaRequest):
    streaming: bool = False
    stream_tokens: bool = False
    include_pings: bool = True
    background: bool = False

    @model_validator(mode="after")
    def _streaming_options_need_streaming(self) -> "LettaStreamingRequest":
        if self.streaming:
            return self
        problems = []
        if self.stream_tokens:
            problems.append("stream_tokens=true")
        if not self.include_pings:
            problems.append("include_pings=false")
        if self.background:
            problems.append("background=true")
        if problems:
            raise ValueError(
                f"Streaming options set without streaming enabled ({', '.join(problems)}). "
                "Either set streaming=true or use default values for streaming options."
            )
        return self


class LettaAsyncRequest(LettaRequest):
    callback_url: str | None = Field(None, pattern=r"^https?://", max_length=2048)


class CancelRequest(RequestModel):
    run_ids: list[str] | None = None
