"""The Ollama provider, through Ollama's own API (`/api/chat`, `/api/embed`) and plain httpx.

Ollama's API differs from Chat Completions in ways that matter to the loop: tool-call
arguments are JSON objects (not text) and calls carry no ids, so this module makes the ids and
names each tool result's tool; a stream is NDJSON with whole tool calls in one line; usage is
`prompt_eval_count`/`eval_count`. Ollama has no `tool_choice`: a forced tool is the only tool
offered. Imported on the first turn, not at startup.
"""

import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from lettalite.llm.retries import RetryPolicy, call_with_retries, retryable_status
from lettalite.llm.types import (
    CallTool,
    ChatMessage,
    ChatRequest,
    Completion,
    CompletionDelta,
    LLMError,
    ToolCallRequest,
    Usage,
)

T = TypeVar("T")
# Ollama's words for a prompt longer than the model's context (`num_ctx`).
OVERFLOW_PHRASES = ("context length", "context window", "prompt too long", "exceeds the context")


class OllamaStatusError(Exception):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def _images(message: ChatMessage) -> list[str]:
    """Ollama takes bare base64 images: `data:` URLs are unwrapped, and others mentioned in
    the text by `_content` (Ollama does not fetch URLs)."""
    return [url.partition(",")[2] for url in message.images if url.startswith("data:")]


def _content(message: ChatMessage) -> str:
    linked = [url for url in message.images if not url.startswith("data:")]
    return "\n".join([message.content or "", *(f"[image: {url}]" for url in linked)]).strip()


def _messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    tool_names: dict[str, str] = {}
    payload = []
    for message in messages:
        item: dict[str, Any] = {"role": message.role, "content": _content(message)}
        if images := _images(message):
            item["images"] = images
        if message.tool_calls:
            tool_names.update({call.id: call.name for call in message.tool_calls})
            item["tool_calls"] = [
                {"function": {"name": call.name, "arguments": call.arguments_object()}}
                for call in message.tool_calls
            ]
        if message.tool_call_id is not None and message.tool_call_id in tool_names:
            item["tool_name"] = tool_names[message.tool_call_id]
        payload.append(item)
    return payload


def _request_body(request: ChatRequest, *, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": request.model,
        "messages": _messages(request.messages),
        "stream": stream,
    }
    tools = request.tools
    if isinstance(request.tool_choice, CallTool):
        tools = [tool for tool in tools if tool.name == request.tool_choice.name]
    if tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters,
                },
            }
            for tool in tools
        ]
    options: dict[str, Any] = {}
    if request.temperature is not None:
        options["temperature"] = request.temperature
    if request.max_tokens is not None:
        options["num_predict"] = request.max_tokens
    if request.context_window is not None:
        # Ollama otherwise loads the model with a small default window and silently drops
        # the start of a longer prompt (the system prompt and memory).
        options["num_ctx"] = request.context_window
    if options:
        body["options"] = options
    response_format = request.response_format or {}
    if response_format.get("type") == "json_object":
        body["format"] = "json"
    elif response_format.get("type") == "json_schema":
        body["format"] = response_format.get("json_schema", {}).get("schema", {})
    return body


def _describe(error: Exception) -> LLMError:
    if isinstance(error, OllamaStatusError):
        overflow = any(phrase in error.message.lower() for phrase in OVERFLOW_PHRASES)
        return LLMError(
            f"Ollama answered {error.status_code}: {error.message}",
            status_code=error.status_code,
            context_overflow=overflow,
        )
    if isinstance(error, httpx.TimeoutException):
        return LLMError("Ollama did not answer in time.")
    return LLMError(f"Could not reach Ollama: {error}")


def _transient(error: BaseException) -> bool:
    if isinstance(error, httpx.TransportError):
        return True
    if isinstance(error, OllamaStatusError):
        return retryable_status(error.status_code)
    return False


def _no_asked_delay(error: BaseException) -> float | None:
    return None  # Ollama runs locally and sends no Retry-After


async def _raise_for_status(response: httpx.Response) -> None:
    if response.is_success:
        return
    await response.aread()
    try:
        message = str(response.json().get("error", response.text))
    except ValueError:
        message = response.text
    raise OllamaStatusError(response.status_code, message)


class OllamaProvider:
    def __init__(self, *, base_url: str, timeout: float, retries: RetryPolicy) -> None:
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._retries = retries

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call_with_retries(
                call, self._retries, transient=_transient, asked_delay=_no_asked_delay
            )
        except (httpx.HTTPError, OllamaStatusError) as error:
            raise _describe(error) from error

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self._client.post(path, json=body)
        await _raise_for_status(response)
        return response.json()

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        return _request_body(request, stream=False)

    async def complete(self, request: ChatRequest) -> Completion:
        body = _request_body(request, stream=False)
        answer = await self._retrying(lambda: self._post("/api/chat", body))
        assembly = _Assembly()
        assembly.add(answer)
        return assembly.completion()

    async def _open_stream(self, body: dict[str, Any]) -> httpx.Response:
        response = await self._client.send(
            self._client.build_request("POST", "/api/chat", json=body), stream=True
        )
        try:
            await _raise_for_status(response)
        except OllamaStatusError:
            await response.aclose()
            raise
        return response

    async def stream(self, request: ChatRequest) -> AsyncIterator[CompletionDelta | Completion]:
        assembly = _Assembly()
        body = _request_body(request, stream=True)
        # Opening the stream is retried; once tokens flow, a failure ends the call.
        response = await self._retrying(lambda: self._open_stream(body))
        try:
            async for line in response.aiter_lines():
                if line.strip():
                    for delta in assembly.add(json.loads(line)):
                        yield delta
        except (httpx.HTTPError, OllamaStatusError) as error:
            raise _describe(error) from error
        finally:
            await response.aclose()
        yield assembly.completion()

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        body = {"model": model, "input": texts}
        answer = await self._retrying(lambda: self._post("/api/embed", body))
        vectors = answer.get("embeddings") or []
        if len(vectors) != len(texts) or not all(vectors):
            raise LLMError(f"Ollama returned {len(vectors)} embeddings for {len(texts)} texts.")
        return vectors

    async def close(self) -> None:
        await self._client.aclose()


@dataclass
class _Assembly:
    """Ollama's answer, whole or line by line, as the loop's `Completion` and deltas."""

    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: list[ToolCallRequest] = field(default_factory=list)
    done_reason: str | None = None
    usage: Usage = field(default_factory=Usage)

    def add(self, chunk: dict[str, Any]) -> list[CompletionDelta]:
        if "error" in chunk:
            raise OllamaStatusError(500, str(chunk["error"]))
        message = chunk.get("message") or {}
        deltas = []
        if thinking := message.get("thinking"):
            self.reasoning.append(thinking)
            deltas.append(CompletionDelta(reasoning=thinking))
        if text := message.get("content"):
            self.content.append(text)
            deltas.append(CompletionDelta(content=text))
        for call in message.get("tool_calls") or ():
            deltas.append(self._add_call(call.get("function") or {}))
        if chunk.get("done"):
            self.done_reason = chunk.get("done_reason") or "stop"
            self.usage = Usage(
                prompt_tokens=chunk.get("prompt_eval_count") or 0,
                completion_tokens=chunk.get("eval_count") or 0,
            )
        return deltas

    def _add_call(self, function: dict[str, Any]) -> CompletionDelta:
        arguments = function.get("arguments") or {}
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)
        call = ToolCallRequest(
            id=f"call_{secrets.token_hex(12)}", name=str(function.get("name", "")), arguments=text
        )
        self.calls.append(call)
        return CompletionDelta(
            tool_call_index=len(self.calls) - 1,
            tool_call_id=call.id,
            tool_name=call.name,
            tool_arguments=call.arguments,
        )

    def completion(self) -> Completion:
        finish_reason = "tool_calls" if self.calls else self.done_reason
        return Completion(
            content="".join(self.content) or None,
            reasoning="".join(self.reasoning) or None,
            tool_calls=tuple(self.calls),
            finish_reason=finish_reason,
            usage=self.usage,
        )
