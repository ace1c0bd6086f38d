"""OpenAI's Chat Completions wire format, as `POST /v1/chat/completions` speaks it to any
OpenAI client; the `model` names an agent."""

from typing import Any, Literal

from pydantic import Field

from lettalite.schemas.common import RequestModel, WireModel


class ChatMessageIn(RequestModel):
    """One message of the client's conversation; only the last user message is used."""

    role: str = Field(max_length=64)
    # A string, or OpenAI's content parts (`text`, `image_url`); checked when it is used.
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(RequestModel):
    include_usage: bool = False


class ChatCompletionRequest(RequestModel):
    """The fields lettalite reads; sampling options (temperature, max_tokens...) are ignored:
    the agent's own model settings apply."""

    model: str = Field(min_length=1, max_length=255, description="an agent's id or unique name")
    # Chat UIs send the whole conversation every time: no item limit, the body size caps it.
    messages: list[ChatMessageIn] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1, le=1, description="one choice: an agent answers once")


class CompletionUsage(WireModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionMessage(WireModel):
    role: Literal["assistant"] = "assistant"
    content: str | None


FinishReason = Literal["stop", "length"]


class Choice(WireModel):
    index: int = 0
    message: ChatCompletionMessage
    finish_reason: FinishReason
    logprobs: None = None


class ChatCompletion(WireModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage | None = None


class ChoiceDelta(WireModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(WireModel):
    index: int = 0
    delta: ChoiceDelta
    finish_reason: FinishReason | None = None
    logprobs: None = None


class ChatCompletionChunk(WireModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: CompletionUsage | None = None


class AgentAsModel(WireModel):
    """An agent in OpenAI's model list: `id` is what a client sends back as `model`."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "lettalite"
    name: str  # the agent's name, which chat UIs show


class OpenAIModelList(WireModel):
    object: Literal["list"] = "list"
    data: list[AgentAsModel]
