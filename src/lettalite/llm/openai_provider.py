"""The OpenAI Chat Completions provider; any OpenAI-compatible server is this with another URL.

This is the only module that imports the `openai` SDK. It is imported on the first turn, not
at startup, because the SDK takes a noticeable part of a second to import.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from lettalite.llm.retries import (
    RetryPolicy,
    call_with_retries,
    retry_after_seconds,
    retryable_status,
)
from lettalite.llm.types import (
    CallTool,
    ChatMessage,
    ChatRequest,
    Completion,
    CompletionDelta,
    LLMError,
    ToolCallRequest,
    ToolChoice,
    Usage,
    body_json,
)

T = TypeVar("T")


def _content(message: ChatMessage) -> str | list[dict[str, Any]] | None:
    if not message.images:
        return message.content
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.content or ""}]
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in message.images]
    return parts


def _message_dict(message: ChatMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {"role": message.role, "content": _content(message)}
    if message.tool_calls:
        payload["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in message.tool_calls
        ]
    if message.tool_call_id is not None:
        payload["tool_call_id"] = message.tool_call_id
    return payload


class _MessageDicts:
    """Each chat message's dict, by the message object: the loop keeps a conversation's
    messages between steps (agent/window_cache.py), so each is mapped once. An entry holds its
    message, so its id is not reused while the entry lives; the oldest go first."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._dicts: dict[int, tuple[ChatMessage, dict[str, Any]]] = {}
        self._max_entries = max_entries

    def of(self, messages: list[ChatMessage]) -> list[dict[str, Any]]:
        found = []
        for message in messages:
            entry = self._dicts.get(id(message))
            if entry is None or entry[0] is not message:
                entry = (message, _message_dict(message))
                self._dicts[id(message)] = entry
            found.append(entry[1])
        while len(self._dicts) > self._max_entries:  # dicts keep insertion order
            del self._dicts[next(iter(self._dicts))]
        return found


_MESSAGE_DICTS = _MessageDicts()


def _request_kwargs(request: ChatRequest) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": request.model,
        "messages": _MESSAGE_DICTS.of(request.messages),
    }
    if request.tools:
        kwargs["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters,
                },
            }
            for tool in request.tools
        ]
        kwargs["tool_choice"] = _tool_choice(request.tool_choice)
        if not request.parallel_tool_calls:
            kwargs["parallel_tool_calls"] = False
    if request.response_format is not None:
        kwargs["response_format"] = request.response_format
    if request.reasoning_effort is not None:
        # Reasoning models take no temperature: only their effort.
        kwargs["reasoning_effort"] = request.reasoning_effort
    elif request.temperature is not None:
        kwargs["temperature"] = request.temperature
    if request.max_tokens is not None:
        kwargs["max_completion_tokens"] = request.max_tokens
    return kwargs


def _tool_choice(choice: ToolChoice) -> str | dict[str, Any]:
    if isinstance(choice, CallTool):
        return {"type": "function", "function": {"name": choice.name}}
    return choice


def _describe(error: openai.APIError, key_setting: str) -> LLMError:
    if isinstance(error, openai.AuthenticationError):
        return LLMError(
            f"The model provider rejected the API key (401): check {key_setting}. "
            f"Provider said: {error.message}",
            status_code=401,
        )
    if isinstance(error, openai.APIStatusError):
        overflow = error.code == "context_length_exceeded" or (
            "context length" in error.message.lower()
        )
        return LLMError(
            f"The model provider answered {error.status_code}: {error.message}",
            status_code=error.status_code,
            context_overflow=overflow,
        )
    if isinstance(error, openai.APITimeoutError):
        return LLMError("The model provider did not answer in time.")
    return LLMError(f"Could not reach the model provider: {error.message}")


def _transient(error: BaseException) -> bool:
    """A failure that trying again may cure: no answer, or a rate limit or server error."""
    if isinstance(error, openai.APIConnectionError):  # timeouts too
        return True
    if isinstance(error, openai.APIStatusError):
        return retryable_status(error.status_code)
    return False


def _asked_delay(error: BaseException) -> float | None:
    """The provider's Retry-After (OpenAI also sends it in milliseconds), in seconds."""
    if not isinstance(error, openai.APIStatusError):
        return None
    return retry_after_seconds(error.response.headers)


class OpenAIProvider:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        timeout: float,
        retries: RetryPolicy,
        key_setting: str = "OPENAI_API_KEY",
    ) -> None:
        # A local OpenAI-compatible server needs no key; the SDK insists on a value. Retries
        # are ours (llm/retries.py): the SDK's own would wait as long as a provider asks.
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "not-set", timeout=timeout, max_retries=0
        )
        self._retries = retries
        self._key_setting = key_setting  # named in a 401's message
        # The body of the latest request: the loop asks for it (for the step's trace) just
        # before sending the same request, and with a long history it costs to build.
        self._latest: tuple[ChatRequest, dict[str, Any]] | None = None

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call_with_retries(
                call, self._retries, transient=_transient, asked_delay=_asked_delay
            )
        except openai.APIError as error:
            raise _describe(error, self._key_setting) from error

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        if self._latest is not None and self._latest[0] is request:
            return self._latest[1]
        body = _request_kwargs(request)
        self._latest = (request, body)
        return body

    async def _post(self, body: dict[str, Any], *, stream: bool) -> Any:
        """POST /chat/completions with `body` as built: the SDK's `create` would walk the
        whole request again to transform it (half a turn's CPU with a long history), while
        its raw call keeps its retries-off client, auth, errors and response types. The body
        goes as the JSON text the step's trace reads too."""
        return await self._client.post(
            "/chat/completions",
            content=body_json(body).encode(),
            cast_to=ChatCompletion,
            options={"security": {"bearer_auth": True}},
            stream=stream,
            stream_cls=openai.AsyncStream[ChatCompletionChunk],
        )

    async def complete(self, request: ChatRequest) -> Completion:
        body = self.request_body(request)
        return _completion(await self._retrying(lambda: self._post(body, stream=False)))

    async def stream(self, request: ChatRequest) -> AsyncIterator[CompletionDelta | Completion]:
        assembly = _StreamAssembly()
        body = {**self.request_body(request), "stream": True}
        body["stream_options"] = {"include_usage": True}
        # Opening the stream is retried; once tokens flow, a failure ends the call.
        chunks = await self._retrying(lambda: self._post(body, stream=True))
        try:
            async for chunk in chunks:
                for delta in assembly.add(chunk):
                    yield delta
        except openai.APIError as error:
            raise _describe(error, self._key_setting) from error
        yield assembly.completion()

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        response = await self._retrying(
            lambda: self._client.embeddings.create(
                model=model, input=texts, encoding_format="float"
            )
        )
        vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        if len(vectors) != len(texts) or not all(vectors):
            raise LLMError(
                f"The embedding provider returned {len(vectors)} vectors for {len(texts)} texts."
            )
        return vectors

    async def close(self) -> None:
        await self._client.close()


def _completion(response: Any) -> Completion:
    if not response.choices:
        raise LLMError("The model provider returned no choices.")
    choice = response.choices[0]
    message = choice.message
    return Completion(
        content=message.content,
        reasoning=_reasoning(message),
        tool_calls=tuple(
            ToolCallRequest(
                id=call.id, name=call.function.name, arguments=call.function.arguments or ""
            )
            for call in message.tool_calls or ()
            if call.type == "function"
        ),
        finish_reason=choice.finish_reason,
        usage=_usage(response.usage),
    )


def _reasoning(message: Any) -> str | None:
    # OpenAI-compatible servers that reason (DeepSeek, vLLM, ...) add a non-standard field.
    extra = message.model_extra or {}
    return extra.get("reasoning_content") or extra.get("reasoning") or None


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    return Usage(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class _StreamAssembly:
    """Accumulates streamed chunks into the same `Completion` a non-streamed call returns."""

    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, _PartialCall] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)

    def add(self, chunk: Any) -> list[CompletionDelta]:
        if chunk.usage is not None:
            self.usage = _usage(chunk.usage)
        deltas = []
        for choice in chunk.choices:
            self.finish_reason = choice.finish_reason or self.finish_reason
            deltas.extend(self._add_delta(choice.delta))
        return deltas

    def _add_delta(self, delta: Any) -> list[CompletionDelta]:
        deltas = []
        reasoning = _reasoning(delta)
        if reasoning:
            self.reasoning.append(reasoning)
            deltas.append(CompletionDelta(reasoning=reasoning))
        if delta.content:
            self.content.append(delta.content)
            deltas.append(CompletionDelta(content=delta.content))
        for call in delta.tool_calls or ():
            partial = self.calls.setdefault(call.index, _PartialCall())
            partial.id = partial.id or call.id or ""
            name = call.function.name if call.function else None
            arguments = call.function.arguments if call.function else None
            partial.name += name or ""
            partial.arguments.append(arguments or "")
            deltas.append(
                CompletionDelta(
                    tool_call_index=call.index,
                    tool_call_id=partial.id,
                    tool_name=name,
                    tool_arguments=arguments,
                )
            )
        return deltas

    def completion(self) -> Completion:
        return Completion(
            content="".join(self.content) or None,
            reasoning="".join(self.reasoning) or None,
            tool_calls=tuple(
                ToolCallRequest(id=call.id, name=call.name, arguments="".join(call.arguments))
                for _, call in sorted(self.calls.items())
            ),
            finish_reason=self.finish_reason,
            usage=self.usage,
        )
