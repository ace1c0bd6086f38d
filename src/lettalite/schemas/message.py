"""Messages on the wire: the send request, Letta's typed messages and `LettaResponse`."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Discriminator, Field, Tag, model_validator

from lettalite.schemas.common import (
    MAX_ITEMS,
    MAX_MESSAGES_PER_SEND,
    MAX_PARTS,
    InputTime,
    MessageTime,
    RequestModel,
    ResourceTime,
    WireModel,
)

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


MAX_CLIENT_TOOLS = 256
ID_LENGTH = 255


class TextPart(RequestModel):
    type: Literal["text"] = "text"
    text: str


class UrlImage(RequestModel):
    type: Literal["url"] = "url"
    url: str = Field(max_length=8192)


class Base64Image(RequestModel):
    type: Literal["base64"] = "base64"
    media_type: str = Field(max_length=255)
    data: str
    detail: str | None = None


class LettaImage(RequestModel):
    """An image Letta stored as a file; usable here only with its `data` inline."""

    type: Literal["letta"] = "letta"
    file_id: str
    media_type: str | None = None
    data: str | None = None
    detail: str | None = None


class ImagePart(RequestModel):
    type: Literal["image"] = "image"
    source: Annotated[UrlImage | Base64Image | LettaImage, Field(discriminator="type")]


ContentPart = Annotated[TextPart | ImagePart, Field(discriminator="type")]
ContentParts = Annotated[list[ContentPart], Field(max_length=MAX_PARTS)]
Lines = Annotated[list[str], Field(max_length=MAX_ITEMS)]


def parts_text(content: str | list[ContentPart]) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(part.text for part in content if isinstance(part, TextPart))


def stored_parts(content: str | list[ContentPart]) -> list[dict[str, Any]]:
    """Content in its stored form: a list of parts."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [part.model_dump(exclude_none=True) for part in content]


class MessageCreate(RequestModel):
    type: Literal["message"] | None = "message"
    role: Literal["user", "system", "assistant"]
    content: str | ContentParts
    name: str | None = None
    otid: str | None = Field(None, max_length=64)

    @property
    def text(self) -> str:
        return parts_text(self.content)


class ApprovalDecision(RequestModel):
    """Approve or deny one tool call that waits for approval."""

    type: Literal["approval"] = "approval"
    tool_call_id: str = Field(max_length=ID_LENGTH)
    approve: bool
    reason: str | None = None


class ClientToolReturn(RequestModel):
    """The result of a tool call the client ran itself."""

    type: Literal["tool"] = "tool"
    tool_call_id: str = Field(max_length=ID_LENGTH)
    tool_return: str | ContentParts
    status: Literal["success", "error"]
    stdout: Lines | None = None
    stderr: Lines | None = None


ApprovalItem = Annotated[ApprovalDecision | ClientToolReturn, Field(discriminator="type")]


class ApprovalCreate(RequestModel):
    """The client's answer to the tool calls the agent paused on: one item per call."""

    type: Literal["approval"] = "approval"
    approvals: list[ApprovalItem] | None = Field(None, max_length=MAX_ITEMS)
    # Letta's older single-call form: approve or deny the one pending call.
    approve: bool | None = None
    approval_request_id: str | None = None
    reason: str | None = None
    otid: str | None = Field(None, max_length=64)
    group_id: str | None = None


class ToolReturnCreate(RequestModel):
    """Results of client-run tool calls; the same as an approval made of `tool` items."""

    type: Literal["tool_return"] = "tool_return"
    tool_returns: list[ClientToolReturn] = Field(max_length=MAX_ITEMS)
    otid: str | None = Field(None, max_length=64)
    group_id: str | None = None

    def as_approval(self) -> ApprovalCreate:
        return ApprovalCreate(approvals=list(self.tool_returns), otid=self.otid)


def _input_kind(value: Any) -> str:
    # As Letta: without a `type`, an item that approves is an approval, anything else a message.
    if isinstance(value, dict):
        kind = value.get("type")
        if isinstance(kind, str):
            return kind
        return "approval" if "approve" in value or "approval_request_id" in value else "message"
    return getattr(value, "type", None) or "message"


InputMessage = Annotated[
    Annotated[MessageCreate, Tag("message")]
    | Annotated[ApprovalCreate, Tag("approval")]
    | Annotated[ToolReturnCreate, Tag("tool_return")],
    Discriminator(_input_kind),
]
TurnInput = MessageCreate | ApprovalCreate


class ClientTool(RequestModel):
    """A tool the client offers the model and runs itself (e.g. Letta Code's shell)."""

    name: str = Field(min_length=1, max_length=ID_LENGTH, pattern=r"^[A-Za-z0-9_.:-]+$")
    description: str | None = None
    parameters: dict[str, Any] | None = None


class ClientSkill(RequestModel):
    name: str
    description: str
    location: str


class LettaRequest(RequestModel):
    """The body of every send: `POST .../messages`, `.../messages/stream`, `.../messages/async`
    and the conversation routes."""

    messages: list[InputMessage] | None = Field(None, max_length=MAX_MESSAGES_PER_SEND)
    input: str | ContentParts | None = None
    max_steps: int = Field(DEFAULT_MAX_STEPS, ge=1, le=MAX_STEPS_CAP)
    include_return_message_types: list[MessageType] | None = Field(None, max_length=MAX_ITEMS)
    override_model: str | None = None
    override_system: str | None = Field(None, alias="system")
    client_tools: list[ClientTool] | None = Field(None, max_length=MAX_CLIENT_TOOLS)
    client_skills: list[ClientSkill] | None = Field(None, max_length=MAX_ITEMS)
    use_assistant_message: bool = True

    model_config = {"populate_by_name": True}

    @model_validator(mode="after")
    def _exactly_one_input(self) -> "LettaRequest":
        if self.messages is not None and self.input is not None:
            raise ValueError("Cannot specify both 'input' and 'messages'. Use one or the other.")
        if self.messages is None and self.input is None:
            raise ValueError("Must specify either 'input' or 'messages'.")
        if self.messages is not None and not self.messages:
            raise ValueError("'messages' must not be empty.")
        answers = [m for m in self.messages or () if not isinstance(m, MessageCreate)]
        if answers and (len(answers) > 1 or answers[0] is not self.messages[0]):
            raise ValueError(
                "An approval (or tool_return) message must be the first message of the request, "
                "and there can be only one; messages after it are sent once it is processed."
            )
        return self

    def input_messages(self) -> list[TurnInput]:
        """The request's input: `input` is sugar for one user message; a `tool_return` item is
        an approval."""
        if self.messages is None:
            assert self.input is not None
            return [MessageCreate(role="user", content=self.input)]
        return [m.as_approval() if isinstance(m, ToolReturnCreate) else m for m in self.messages]


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


class ApprovalRequestMessage(LettaMessageBase):
    """Tool calls that wait for the client's results or a human's approval.

    While tokens stream, each fragment carries one call (`tool_call` and `tool_calls` are then
    the same delta); stored, the message lists every waiting call of the step."""

    message_type: Literal["approval_request_message"] = "approval_request_message"
    tool_call: ToolCall | ToolCallDelta
    tool_calls: list[ToolCall] | ToolCallDelta


class ApprovalResponseMessage(LettaMessageBase):
    """The client's answer to approval requests, as it sent them."""

    message_type: Literal["approval_response_message"] = "approval_response_message"
    approvals: list[dict[str, Any]]
    approve: bool | None = None
    approval_request_id: str | None = None
    reason: str | None = None


class ToolReturn(WireModel):
    type: Literal["tool"] = "tool"
    tool_return: str | list[dict[str, Any]]
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
    | ToolReturnMessage
    | ApprovalRequestMessage
    | ApprovalResponseMessage,
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


class LettaStreamRouteRequest(LettaStreamingRequest):
    """The body of `POST .../messages/stream`, which streams whatever `streaming` says: the
    SDKs' `messages.stream(..., stream_tokens=True)` sends no `streaming` at all."""

    @model_validator(mode="after")
    def _streaming_options_need_streaming(self) -> "LettaStreamRouteRequest":
        self.streaming = True
        return self


def _sendable_url(url: str) -> str:
    """A URL the server's HTTP client can POST to (it parses the URL the same way)."""
    import httpx  # only requests with a callback need it; kept off startup

    try:
        parsed = httpx.URL(url)
        host = parsed.host  # decoding an IDNA name may fail too
    except (httpx.InvalidURL, UnicodeError) as error:
        raise ValueError(f"not a valid URL ({error})") from None
    if not host:
        raise ValueError("the URL has no host")
    if "%" in host:
        raise ValueError("the URL's host has an escaped character or a zone index")
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise ValueError(f"port {parsed.port} is outside 1-65535")
    return url


# Where a background turn POSTs its result when it ends.
CallbackUrl = Annotated[
    str, Field(pattern=r"^https?://", max_length=2048), AfterValidator(_sendable_url)
]


class LettaAsyncRequest(LettaRequest):
    callback_url: CallbackUrl | None = None


class CancelRequest(RequestModel):
    run_ids: list[str] | None = Field(None, max_length=MAX_ITEMS)


class MessageSearchRequest(RequestModel):
    query: str = Field(max_length=10_000)
    search_mode: Literal["vector", "fts", "hybrid"] = "hybrid"
    agent_id: str | None = None
    conversation_id: str | None = None
    limit: int = Field(50, ge=1, le=100)
    start_date: InputTime | None = None
    end_date: InputTime | None = None


class MessageSearchResult(WireModel):
    """A message found by `POST /v1/messages/search` (Letta's `*MessageListResult`)."""

    message_type: Literal[
        "system_message", "user_message", "reasoning_message", "assistant_message"
    ]
    content: str
    message_id: str
    agent_id: str | None
    conversation_id: str | None
    created_at: ResourceTime
