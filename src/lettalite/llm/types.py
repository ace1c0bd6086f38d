"""Provider-neutral chat and embedding types: the loop speaks these, providers map them."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class ToolCallRequest:
    id: str
    name: str
    arguments: str  # raw JSON text, exactly as the model produced it

    def arguments_object(self) -> dict[str, Any]:
        """The arguments as an object, for providers that replay calls as JSON objects: a
        model's malformed arguments (already answered with an error) replay as none."""
        try:
            parsed = json.loads(self.arguments or "{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant", "tool"]
    content: str | None
    tool_calls: tuple[ToolCallRequest, ...] = ()
    tool_call_id: str | None = None
    # Images shown after the text: https URLs or `data:` URLs.
    images: tuple[str, ...] = ()
    # An assistant message's thinking, when the provider signed it (Anthropic): it must be
    # sent back with the message's tool calls for the model to go on thinking.
    signed_thinking: "SignedThinking | None" = None


@dataclass(frozen=True)
class SignedThinking:
    thinking: str
    signature: str


@dataclass(frozen=True)
class ToolDefinition:
    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class CallTool:
    """The model must call this tool."""

    name: str


# "auto": the model may answer or call tools; "required": it must call one of them.
ToolChoice = Literal["auto", "required"] | CallTool


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: list[ChatMessage]
    tools: list[ToolDefinition]
    temperature: float | None = None
    max_tokens: int | None = None
    tool_choice: ToolChoice = "auto"
    # {"type": "text" | "json_object" | "json_schema", ...} as the agent stores it.
    response_format: dict[str, Any] | None = None
    # The agent's context window, for providers that must be told it (Ollama's `num_ctx`).
    context_window: int | None = None
    # False: at most one tool call per answer.
    parallel_tool_calls: bool = True
    # How hard a reasoning model thinks (OpenAI's `reasoning_effort`), when it is one.
    reasoning_effort: str | None = None
    # Tokens a thinking model may think for (Anthropic's extended thinking, Gemini's
    # thinking budget); None: Anthropic's models do not think, Gemini's think as they choose.
    thinking_budget: int | None = None
    include_thoughts: bool = True


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Completion:
    content: str | None
    reasoning: str | None = None
    # The provider's signature over `reasoning` (Anthropic's), to send it back with.
    reasoning_signature: str | None = None
    tool_calls: tuple[ToolCallRequest, ...] = ()
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True)
class CompletionDelta:
    """A fragment of a streamed completion; tool-call fragments carry the call's index."""

    content: str | None = None
    reasoning: str | None = None
    tool_call_index: int | None = None
    tool_call_id: str | None = None
    tool_name: str | None = None
    tool_arguments: str | None = None


class _LatestJSON:
    """The JSON text of the latest body encoded, remembered by the body's identity."""

    body: dict[str, Any] | None = None
    text = ""


_latest_json = _LatestJSON()


def body_json(body: dict[str, Any]) -> str:
    """A provider request body as compact JSON text. The call to the provider and the step's
    trace both need it, and with a long history encoding costs: the latest body's text is
    remembered (bodies are never changed once built; another body in between only costs
    another encoding)."""
    latest = _latest_json
    if latest.body is body:
        return latest.text
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    latest.body, latest.text = body, text
    return text


class LLMError(Exception):
    """The provider failed after its retries; `detail` names what it said."""

    def __init__(
        self, detail: str, *, status_code: int | None = None, context_overflow: bool = False
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code
        # The request was longer than the model's context window.
        self.context_overflow = context_overflow


class LLMClient(Protocol):
    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        """The provider's own request body for `request`, as `complete` would send it."""
        ...

    async def complete(self, request: ChatRequest) -> Completion: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[CompletionDelta | Completion]:
        """Deltas as the provider produces them, then the assembled `Completion` last."""
        ...

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        """One embedding vector per text, in order."""
        ...
