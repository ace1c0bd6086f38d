"""The OpenAI Chat Completions provider; any OpenAI-compatible server is this with another URL.

Spoken over plain httpx: the `openai` SDK cost the first turn half a second and some 20 MiB to
import, and parsed every answer and streamed chunk into its models. Streams are read with
httpx-sse (llm/http_answers.py).
"""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from lettalite.llm.http_answers import ProviderHTTPError, event_data, open_stream, raise_for_status
from lettalite.llm.retries import RetryPolicy, call_with_retries, retryable_status
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


def _describe(error: Exception, key_setting: str) -> LLMError:
    if isinstance(error, ProviderHTTPError):
        if error.status == 401:
            return LLMError(
                f"The model provider rejected the API key (401): check {key_setting}. "
                f"Provider said: {error.message}",
                status_code=401,
            )
        overflow = error.code == "context_length_exceeded" or (
            "context length" in error.message.lower()
        )
        return LLMError(
            f"The model provider answered {error.status}: {error.message}",
            status_code=error.status,
            context_overflow=overflow,
        )
    if isinstance(error, httpx.TimeoutException):
        return LLMError("The model provider did not answer in time.")
    return LLMError(f"Could not reach the model provider: {error}")


def _transient(error: BaseException) -> bool:
    """A failure that trying again may cure: no answer, or a rate limit or server error."""
    if isinstance(error, httpx.TransportError):  # timeouts too
        return True
    if isinstance(error, ProviderHTTPError):
        return retryable_status(error.status)
    return False


def _asked_delay(error: BaseException) -> float | None:
    """The provider's Retry-After (OpenAI also sends it in milliseconds), in seconds."""
    return error.retry_after if isinstance(error, ProviderHTTPError) else None


def _json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise LLMError("The model provider answered with something that is not JSON.") from None


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
        # A local OpenAI-compatible server needs no key. Retries are ours (llm/retries.py).
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/", headers=headers, timeout=timeout
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
        except (ProviderHTTPError, httpx.HTTPError) as error:
            raise _describe(error, self._key_setting) from error

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        content = body_json(body).encode()  # the text the step's trace reads too

        async def post() -> httpx.Response:
            response = await self._client.post(
                path, content=content, headers={"content-type": "application/json"}
            )
            await raise_for_status(response)
            return response

        return _json((await self._retrying(post)).content)

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        if self._latest is not None and self._latest[0] is request:
            return self._latest[1]
        body = _request_kwargs(request)
        self._latest = (request, body)
        return body

    async def complete(self, request: ChatRequest) -> Completion:
        return _completion(await self._post("chat/completions", self.request_body(request)))

    async def stream(self, request: ChatRequest) -> AsyncIterator[CompletionDelta | Completion]:
        assembly = _StreamAssembly()
        body = {**self.request_body(request), "stream": True}
        body["stream_options"] = {"include_usage": True}
        content = body_json(body).encode()
        # Opening the stream is retried; once tokens flow, a failure ends the call.
        response = await self._retrying(
            lambda: open_stream(self._client, "chat/completions", content)
        )
        try:
            async for data in event_data(response):
                if data.strip() == "[DONE]":
                    break
                for delta in assembly.add(_json(data)):
                    yield delta
        except httpx.HTTPError as error:
            raise _describe(error, self._key_setting) from error
        yield assembly.completion()

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        body = {"model": model, "input": texts, "encoding_format": "float"}
        answer = await self._post("embeddings", body)
        items = sorted(answer.get("data") or [], key=lambda item: item.get("index", 0))
        vectors = [item.get("embedding") for item in items]
        if len(vectors) != len(texts) or not all(vectors):
            raise LLMError(
                f"The embedding provider returned {len(vectors)} vectors for {len(texts)} texts."
            )
        return vectors

    async def close(self) -> None:
        await self._client.aclose()


def _completion(answer: dict[str, Any]) -> Completion:
    choices = answer.get("choices") or []
    if not choices:
        raise LLMError("The model provider returned no choices.")
    choice = choices[0]
    message = choice.get("message") or {}
    return Completion(
        content=message.get("content"),
        reasoning=_reasoning(message),
        tool_calls=tuple(
            ToolCallRequest(
                id=call.get("id") or "",
                name=call["function"].get("name") or "",
                arguments=call["function"].get("arguments") or "",
            )
            for call in message.get("tool_calls") or ()
            if call.get("type", "function") == "function" and call.get("function")
        ),
        finish_reason=choice.get("finish_reason"),
        usage=_usage(answer.get("usage")),
    )


def _reasoning(message: dict[str, Any]) -> str | None:
    # OpenAI-compatible servers that reason (DeepSeek, vLLM, ...) add a non-standard field.
    return message.get("reasoning_content") or message.get("reasoning") or None


def _usage(usage: dict[str, Any] | None) -> Usage:
    if not usage:
        return Usage()
    return Usage(
        prompt_tokens=usage.get("prompt_tokens") or 0,
        completion_tokens=usage.get("completion_tokens") or 0,
    )


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

    def add(self, chunk: dict[str, Any]) -> list[CompletionDelta]:
        if chunk.get("usage"):
            self.usage = _usage(chunk["usage"])
        deltas = []
        for choice in chunk.get("choices") or ():
            self.finish_reason = choice.get("finish_reason") or self.finish_reason
            deltas.extend(self._add_delta(choice.get("delta") or {}))
        return deltas

    def _add_delta(self, delta: dict[str, Any]) -> list[CompletionDelta]:
        deltas = []
        reasoning = _reasoning(delta)
        if reasoning:
            self.reasoning.append(reasoning)
            deltas.append(CompletionDelta(reasoning=reasoning))
        if delta.get("content"):
            self.content.append(delta["content"])
            deltas.append(CompletionDelta(content=delta["content"]))
        for call in delta.get("tool_calls") or ():
            index = call.get("index", 0)
            partial = self.calls.setdefault(index, _PartialCall())
            partial.id = partial.id or call.get("id") or ""
            function = call.get("function") or {}
            name, arguments = function.get("name"), function.get("arguments")
            partial.name += name or ""
            partial.arguments.append(arguments or "")
            deltas.append(
                CompletionDelta(
                    tool_call_index=index,
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
