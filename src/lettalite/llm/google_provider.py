"""Google's Gemini API (`google_ai/<model>`) over plain `httpx`.

Plain `httpx` rather than the `google-genai` SDK: the REST protocol is small (two JSON
endpoints and SSE), httpx is already a dependency, and the SDK would add a large import and
its own retry and typing layers between us and the wire. Like the other providers this
module is imported on the first turn that uses it. The request mapping (`generate_body`) is
pure.

Gemini's function calls carry no ids: each call gets one here, stored with the message, and
tool results are sent back as `functionResponse` parts matched by the call's name.
"""

import json
import mimetypes
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from lettalite.llm.http_answers import ProviderHTTPError, event_data, open_stream, raise_for_status
from lettalite.llm.retries import (
    RetryPolicy,
    call_with_retries,
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
    ToolDefinition,
    Usage,
)

T = TypeVar("T")

# The JSON Schema keys Gemini's `Schema` (an OpenAPI subset) accepts; others are refused.
SCHEMA_KEYS = frozenset(
    {
        "type", "format", "title", "description", "nullable", "enum", "items", "properties",
        "required", "minItems", "maxItems", "minProperties", "maxProperties", "minLength",
        "maxLength", "pattern", "minimum", "maximum", "anyOf", "default", "example",
        "propertyOrdering",
    }
)  # fmt: skip
# Models that think, and so can be asked to include their thoughts.
THINKING_MODEL_PREFIXES = ("gemini-2.5", "gemini-3")
# Gemini 3 refuses replayed function calls without the thought signature it sent with them.
# We keep no signatures (a call may come from another provider), so replayed calls carry
# the sentinel Google documents for that case.
SIGNATURE_REQUIRED_PREFIXES = ("gemini-3",)
UNSIGNED_CALL_SIGNATURE = "skip_thought_signature_validator"
OVERFLOW_MARKER = "exceeds the maximum number of tokens"
# batchEmbedContents takes at most this many texts.
EMBED_BATCH = 100


def generate_body(request: ChatRequest) -> dict[str, Any]:
    """The generateContent body for `request`: system prompt apart, roles user and model."""
    leading = 0
    while leading < len(request.messages) and request.messages[leading].role == "system":
        leading += 1
    signature = (
        UNSIGNED_CALL_SIGNATURE if request.model.startswith(SIGNATURE_REQUIRED_PREFIXES) else None
    )
    body: dict[str, Any] = {"contents": _contents(request.messages[leading:], signature)}
    system = "\n\n".join(m.content or "" for m in request.messages[:leading])
    if system:
        body["systemInstruction"] = {"parts": [{"text": system}]}
    if request.tools:
        body["tools"] = [{"functionDeclarations": [_declaration(t) for t in request.tools]}]
        body["toolConfig"] = {"functionCallingConfig": _calling_config(request.tool_choice)}
    config = _generation_config(request)
    if config:
        body["generationConfig"] = config
    return body


def _contents(messages: list[ChatMessage], signature: str | None) -> list[dict[str, Any]]:
    """Gemini turns: tool results (and any later system note) are user parts, and consecutive
    turns of one role are merged."""
    names = {call.id: call.name for m in messages for call in m.tool_calls}
    contents: list[dict[str, Any]] = []
    for message in messages:
        role = "model" if message.role == "assistant" else "user"
        parts = _parts(message, names, signature)
        if not parts:
            continue
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    return contents


def _parts(
    message: ChatMessage, names: dict[str, str], signature: str | None
) -> list[dict[str, Any]]:
    if message.role == "tool":
        name = names.get(message.tool_call_id or "", "tool")
        return [{"functionResponse": {"name": name, "response": _response(message.content)}}]
    parts: list[dict[str, Any]] = []
    if message.content:
        parts.append({"text": message.content})
    parts += [_image_part(url) for url in message.images]
    for call in message.tool_calls:
        function_call = {"name": call.name, "args": call.arguments_object()}
        part: dict[str, Any] = {"functionCall": function_call}
        if signature is not None:
            part["thoughtSignature"] = signature
        parts.append(part)
    return parts


def _response(content: str | None) -> dict[str, Any]:
    """A tool result as the object Gemini wants: our results are JSON objects already."""
    try:
        value = json.loads(content or "")
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"result": content or ""}


def _image_part(url: str) -> dict[str, Any]:
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        mime_type = header.removeprefix("data:").split(";")[0]
        return {"inlineData": {"mimeType": mime_type, "data": data}}
    mime_type = mimetypes.guess_type(url)[0] or "image/jpeg"
    return {"fileData": {"mimeType": mime_type, "fileUri": url}}


def _declaration(tool: ToolDefinition) -> dict[str, Any]:
    declaration: dict[str, Any] = {"name": tool.name, "description": tool.description}
    parameters = gemini_schema(tool.parameters)
    # Gemini refuses an object schema without properties: a tool without arguments has none.
    if parameters.get("properties"):
        declaration["parameters"] = parameters
    return declaration


def gemini_schema(schema: Any) -> dict[str, Any]:
    """A JSON Schema cut to the subset Gemini accepts: unknown keys dropped, `["x", "null"]`
    types as `nullable`, nested schemas likewise."""
    if not isinstance(schema, dict):
        return {}
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in SCHEMA_KEYS:
            continue
        if key == "type" and isinstance(value, list):
            kinds = [kind for kind in value if kind != "null"]
            result["type"] = kinds[0] if kinds else "string"
            if "null" in value:
                result["nullable"] = True
        elif key == "properties" and isinstance(value, dict):
            if value:
                result[key] = {name: gemini_schema(sub) for name, sub in value.items()}
        elif key == "items":
            result[key] = gemini_schema(value)
        elif key == "anyOf" and isinstance(value, list):
            result[key] = [gemini_schema(sub) for sub in value]
        else:
            result[key] = value
    if "required" in result and "properties" in result:
        result["required"] = [name for name in result["required"] if name in result["properties"]]
    elif "required" in result:
        del result["required"]
    return result


def _calling_config(choice: ToolChoice) -> dict[str, Any]:
    if isinstance(choice, CallTool):
        return {"mode": "ANY", "allowedFunctionNames": [choice.name]}
    return {"mode": "ANY" if choice == "required" else "AUTO"}


def _generation_config(request: ChatRequest) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if request.max_tokens is not None:
        config["maxOutputTokens"] = request.max_tokens
    kind = (request.response_format or {}).get("type")
    if kind in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
    if kind == "json_schema":
        schema = (request.response_format or {}).get("json_schema", {}).get("schema")
        if schema:
            config["responseSchema"] = gemini_schema(schema)
    if request.model.startswith(THINKING_MODEL_PREFIXES):
        config["thinkingConfig"] = {"includeThoughts": request.include_thoughts}
        if request.thinking_budget is not None:
            config["thinkingConfig"]["thinkingBudget"] = request.thinking_budget
    return config


def _describe(error: Exception, key_setting: str) -> LLMError:
    if isinstance(error, ProviderHTTPError):
        if error.status in (401, 403) or "api key not valid" in error.message.lower():
            return LLMError(
                f"Google Gemini rejected the API key ({error.status}): check {key_setting}. "
                f"Provider said: {error.message}",
                status_code=error.status,
            )
        return LLMError(
            f"Google Gemini answered {error.status}: {error.message}",
            status_code=error.status,
            context_overflow=OVERFLOW_MARKER in error.message.lower(),
        )
    if isinstance(error, httpx.TimeoutException):
        return LLMError("Google Gemini did not answer in time.")
    return LLMError(f"Could not reach Google Gemini: {error}")


def _transient(error: BaseException) -> bool:
    """No answer, a rate limit or a server error (Gemini's 503 "overloaded" among them)."""
    if isinstance(error, httpx.TransportError):
        return True
    if isinstance(error, ProviderHTTPError):
        return retryable_status(error.status)
    return False


def _asked_delay(error: BaseException) -> float | None:
    return error.retry_after if isinstance(error, ProviderHTTPError) else None


class GoogleProvider:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        timeout: float,
        retries: RetryPolicy,
        key_setting: str = "GEMINI_API_KEY",
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/v1beta/",
            headers={"x-goog-api-key": api_key or ""},
            timeout=timeout,
        )
        self._retries = retries
        self._key_setting = key_setting  # named in a 401's message

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call_with_retries(
                call, self._retries, transient=_transient, asked_delay=_asked_delay
            )
        except (ProviderHTTPError, httpx.HTTPError) as error:
            raise _describe(error, self._key_setting) from error

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        async def post() -> Any:
            response = await self._client.post(path, json=body)
            await raise_for_status(response)
            return response.json()

        return await self._retrying(post)

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        return generate_body(request)

    async def complete(self, request: ChatRequest) -> Completion:
        answer = await self._post(f"models/{request.model}:generateContent", generate_body(request))
        assembly = Assembly()
        assembly.add(answer)
        return assembly.completion()

    async def stream(self, request: ChatRequest) -> AsyncIterator[CompletionDelta | Completion]:
        body = generate_body(request)
        path = f"models/{request.model}:streamGenerateContent"
        content = json.dumps(body).encode()
        # Opening the stream is retried; once chunks flow, a failure ends the call.
        response = await self._retrying(
            lambda: open_stream(self._client, path, content, params={"alt": "sse"})
        )
        assembly = Assembly()
        try:
            async for data in event_data(response):
                for delta in assembly.add(json.loads(data)):
                    yield delta
        except httpx.HTTPError as error:
            raise _describe(error, self._key_setting) from error
        yield assembly.completion()

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), EMBED_BATCH):
            vectors += await self._embed_batch(model, texts[start : start + EMBED_BATCH])
        return vectors

    async def _embed_batch(self, model: str, texts: list[str]) -> list[list[float]]:
        body = {
            "requests": [
                {"model": f"models/{model}", "content": {"parts": [{"text": text}]}}
                for text in texts
            ]
        }
        answer = await self._post(f"models/{model}:batchEmbedContents", body)
        vectors = [item["values"] for item in answer.get("embeddings", [])]
        if len(vectors) != len(texts):
            raise LLMError(
                f"Google Gemini returned {len(vectors)} embeddings for {len(texts)} texts."
            )
        return vectors

    async def close(self) -> None:
        await self._client.aclose()


@dataclass
class Assembly:
    """GenerateContentResponse chunks (one, or streamed) into one `Completion`."""

    text: list[str] = field(default_factory=list)
    thoughts: list[str] = field(default_factory=list)
    calls: list[ToolCallRequest] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)

    def add(self, chunk: dict[str, Any]) -> list[CompletionDelta]:
        metadata = chunk.get("usageMetadata")
        if metadata:
            self.usage = Usage(
                prompt_tokens=metadata.get("promptTokenCount", 0),
                completion_tokens=metadata.get("candidatesTokenCount", 0)
                + metadata.get("thoughtsTokenCount", 0),
            )
        candidates = chunk.get("candidates") or [{}]
        candidate = candidates[0]
        self.finish_reason = candidate.get("finishReason") or self.finish_reason
        parts = (candidate.get("content") or {}).get("parts") or []
        return [delta for part in parts if (delta := self._add_part(part)) is not None]

    def _add_part(self, part: dict[str, Any]) -> CompletionDelta | None:
        if "functionCall" in part:
            call = part["functionCall"]
            request = ToolCallRequest(
                id=call.get("id") or f"call_{uuid.uuid4().hex[:24]}",
                name=call["name"],
                arguments=json.dumps(call.get("args") or {}),
            )
            self.calls.append(request)
            return CompletionDelta(
                tool_call_index=len(self.calls) - 1,
                tool_call_id=request.id,
                tool_name=request.name,
                tool_arguments=request.arguments,
            )
        text = part.get("text")
        if not text:
            return None
        if part.get("thought"):
            self.thoughts.append(text)
            return CompletionDelta(reasoning=text)
        self.text.append(text)
        return CompletionDelta(content=text)

    def completion(self) -> Completion:
        return Completion(
            content="".join(self.text) or None,
            reasoning="".join(self.thoughts) or None,
            tool_calls=tuple(self.calls),
            finish_reason=self._finish_reason(),
            usage=self.usage,
        )

    def _finish_reason(self) -> str | None:
        if self.finish_reason == "MAX_TOKENS":
            return "length"
        if self.calls:
            return "tool_calls"
        if self.finish_reason in (None, "STOP"):
            return "stop" if self.finish_reason else None
        return self.finish_reason.lower()
