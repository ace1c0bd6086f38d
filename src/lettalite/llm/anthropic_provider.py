"""The Anthropic Messages API provider, through the official `anthropic` SDK.

This is the only module that imports the SDK; like the OpenAI one it is imported on the first
turn that uses the provider, not at startup. The request mapping (`messages_body`) is pure.
"""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anthropic

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
)

T = TypeVar("T")

# Anthropic requires `max_tokens`; this is the answer length when the agent sets none.
DEFAULT_MAX_TOKENS = 4096
# Anthropic's temperature range is 0..1 (OpenAI's is 0..2).
MAX_TEMPERATURE = 1.0
# Models with extended thinking, and the smallest budget Anthropic takes.
THINKING_MODEL_PREFIXES = ("claude-3-7", "claude-sonnet-4", "claude-opus-4", "claude-haiku-4")
MIN_THINKING_BUDGET = 1024
# Anthropic's stop reasons as the OpenAI finish reasons the loop reads.
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
}


def messages_body(request: ChatRequest) -> dict[str, Any]:
    """The Messages API body for `request`: system prompt apart, roles alternating."""
    leading = 0
    while leading < len(request.messages) and request.messages[leading].role == "system":
        leading += 1
    thinks = _thinks(request)
    body: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
        "messages": _alternating(request.messages[leading:], thinking=thinks),
    }
    system = "\n\n".join(m.content or "" for m in request.messages[:leading])
    if system:
        body["system"] = system
    if request.tools:
        body["tools"] = [
            {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}
            for tool in request.tools
        ]
        body["tool_choice"] = _tool_choice(request.tool_choice)
        if not request.parallel_tool_calls:
            body["tool_choice"]["disable_parallel_tool_use"] = True
    if thinks:
        budget = max(request.thinking_budget or 0, MIN_THINKING_BUDGET)
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
        body["max_tokens"] = max(body["max_tokens"], budget + DEFAULT_MAX_TOKENS)
    elif request.temperature is not None:  # a thinking model takes no temperature
        body["temperature"] = min(request.temperature, MAX_TEMPERATURE)
    return body


def _thinks(request: ChatRequest) -> bool:
    """Whether this call may think: the settings ask for it, the model can, no tool is forced
    (Anthropic refuses thinking then), and the last tool-calling answer, when the call goes
    on from one, kept its signed thinking (Anthropic requires it back; an answer from another
    provider, or an unsigned one, has none)."""
    if request.thinking_budget is None or not request.model.startswith(THINKING_MODEL_PREFIXES):
        return False
    if request.tools and request.tool_choice != "auto":
        return False
    last = next((m for m in reversed(request.messages) if m.role == "assistant"), None)
    return last is None or not last.tool_calls or last.signed_thinking is not None


def _alternating(messages: list[ChatMessage], *, thinking: bool) -> list[dict[str, Any]]:
    """Anthropic turns: tool results (and any later system note) become user content, and
    consecutive turns of one role are merged, since roles must alternate. Signed thinking
    goes back only to a call that thinks."""
    turns: list[dict[str, Any]] = []
    for message in messages:
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks(message, thinking=thinking)
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    return turns


def _blocks(message: ChatMessage, *, thinking: bool) -> list[dict[str, Any]]:
    if message.role == "tool":
        return [
            {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id or "",
                "content": message.content or "",
            }
        ]
    blocks: list[dict[str, Any]] = []
    signed = message.signed_thinking
    if thinking and signed is not None:
        blocks.append(
            {"type": "thinking", "thinking": signed.thinking, "signature": signed.signature}
        )
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    blocks += [_image_block(url) for url in message.images]
    blocks += [
        {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments_object()}
        for call in message.tool_calls
    ]
    return blocks


def _image_block(url: str) -> dict[str, Any]:
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        media_type = header.removeprefix("data:").split(";")[0]
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": media_type, "data": data},
        }
    return {"type": "image", "source": {"type": "url", "url": url}}


def _tool_choice(choice: ToolChoice) -> dict[str, Any]:
    if isinstance(choice, CallTool):
        return {"type": "tool", "name": choice.name}
    return {"type": "any" if choice == "required" else "auto"}


# Fields of the Messages API that the SDK (2.x) no longer takes as arguments: they are sent in
# the body all the same.
BODY_ONLY_FIELDS = ("temperature",)


def _sdk_arguments(body: dict[str, Any]) -> dict[str, Any]:
    extra = {name: body[name] for name in BODY_ONLY_FIELDS if name in body}
    arguments = {name: value for name, value in body.items() if name not in extra}
    return {**arguments, "extra_body": extra} if extra else arguments


def _describe(error: anthropic.APIError, key_setting: str) -> LLMError:
    if isinstance(error, anthropic.AuthenticationError):
        return LLMError(
            f"Anthropic rejected the API key (401): check {key_setting}. "
            f"Provider said: {error.message}",
            status_code=401,
        )
    if isinstance(error, anthropic.APIStatusError):
        return LLMError(
            f"Anthropic answered {error.status_code}: {error.message}",
            status_code=error.status_code,
            context_overflow="prompt is too long" in error.message.lower(),
        )
    if isinstance(error, anthropic.APITimeoutError):
        return LLMError("Anthropic did not answer in time.")
    return LLMError(f"Could not reach Anthropic: {error.message}")


def _transient(error: BaseException) -> bool:
    """No answer, a rate limit, a server error or Anthropic's 529 "overloaded"."""
    if isinstance(error, anthropic.APIConnectionError):  # timeouts too
        return True
    if isinstance(error, anthropic.APIStatusError):
        return retryable_status(error.status_code)
    return False


def _asked_delay(error: BaseException) -> float | None:
    if not isinstance(error, anthropic.APIStatusError):
        return None
    return retry_after_seconds(error.response.headers)


class AnthropicProvider:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        timeout: float,
        retries: RetryPolicy,
        key_setting: str = "ANTHROPIC_API_KEY",
    ) -> None:
        # Retries are ours (llm/retries.py), with the same bounded budget as OpenAI's.
        self._client = anthropic.AsyncAnthropic(
            base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0
        )
        self._retries = retries
        self._key_setting = key_setting  # named in a 401's message

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call_with_retries(
                call, self._retries, transient=_transient, asked_delay=_asked_delay
            )
        except anthropic.APIError as error:
            raise _describe(error, self._key_setting) from error

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        return messages_body(request)

    async def complete(self, request: ChatRequest) -> Completion:
        body = messages_body(request)
        response = await self._retrying(
            lambda: self._client.messages.create(**_sdk_arguments(body))
        )
        assembly = _Assembly(input_tokens=response.usage.input_tokens)
        for index, block in enumerate(response.content):
            assembly.start_block(index, block)
        assembly.finish(response.stop_reason, response.usage.output_tokens)
        return assembly.completion()

    async def stream(self, request: ChatRequest) -> AsyncIterator[CompletionDelta | Completion]:
        body = {**messages_body(request), "stream": True}
        # Opening the stream is retried; once events flow, a failure ends the call.
        events = await self._retrying(lambda: self._client.messages.create(**_sdk_arguments(body)))
        assembly = _Assembly()
        try:
            async for event in events:
                for delta in assembly.add(event):
                    yield delta
        except anthropic.APIError as error:
            raise _describe(error, self._key_setting) from error
        yield assembly.completion()

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        raise LLMError(
            f"Anthropic has no embedding models, so {model!r} cannot embed text: "
            "give the agent an openai/ embedding handle."
        )

    async def close(self) -> None:
        await self._client.close()


@dataclass
class _ToolUse:
    position: int  # among the message's tool calls, as our deltas number them
    id: str
    name: str
    arguments: list[str] = field(default_factory=list)


@dataclass
class _Assembly:
    """Content blocks (whole, or streamed as events) into one `Completion`."""

    input_tokens: int = 0
    output_tokens: int = 0
    text: list[str] = field(default_factory=list)
    thinking: list[str] = field(default_factory=list)
    # One per thinking block; a completion keeps its thinking's signature only when it had
    # one block (joined blocks would no longer match their signatures).
    signatures: list[str] = field(default_factory=list)
    tool_uses: dict[int, _ToolUse] = field(default_factory=dict)  # by content block index
    stop_reason: str | None = None

    def add(self, event: Any) -> list[CompletionDelta]:
        if event.type == "message_start":
            self.input_tokens = event.message.usage.input_tokens
        elif event.type == "content_block_start":
            return self.start_block(event.index, event.content_block)
        elif event.type == "content_block_delta":
            return self._add_delta(event.index, event.delta)
        elif event.type == "message_delta":
            self.finish(event.delta.stop_reason, event.usage.output_tokens)
        return []

    def start_block(self, index: int, block: Any) -> list[CompletionDelta]:
        if block.type == "text" and block.text:
            self.text.append(block.text)
            return [CompletionDelta(content=block.text)]
        if block.type == "thinking":
            if block.signature:
                self.signatures.append(block.signature)
            if block.thinking:
                self.thinking.append(block.thinking)
                return [CompletionDelta(reasoning=block.thinking)]
            return []
        if block.type != "tool_use":
            return []
        use = _ToolUse(len(self.tool_uses), block.id, block.name)
        # A streamed block starts with empty input and gets it as JSON deltas.
        if block.input:
            use.arguments.append(json.dumps(block.input))
        self.tool_uses[index] = use
        return [
            CompletionDelta(
                tool_call_index=use.position,
                tool_call_id=use.id,
                tool_name=use.name,
                tool_arguments="".join(use.arguments) or None,
            )
        ]

    def _add_delta(self, index: int, delta: Any) -> list[CompletionDelta]:
        if delta.type == "text_delta":
            self.text.append(delta.text)
            return [CompletionDelta(content=delta.text)]
        if delta.type == "thinking_delta":
            self.thinking.append(delta.thinking)
            return [CompletionDelta(reasoning=delta.thinking)]
        if delta.type == "signature_delta":
            self.signatures.append(delta.signature)
            return []
        if delta.type == "input_json_delta" and index in self.tool_uses:
            use = self.tool_uses[index]
            use.arguments.append(delta.partial_json)
            return [
                CompletionDelta(
                    tool_call_index=use.position,
                    tool_call_id=use.id,
                    tool_arguments=delta.partial_json,
                )
            ]
        return []  # anything newer

    def finish(self, stop_reason: str | None, output_tokens: int) -> None:
        self.stop_reason = stop_reason or self.stop_reason
        self.output_tokens = output_tokens

    def completion(self) -> Completion:
        return Completion(
            content="".join(self.text) or None,
            reasoning="".join(self.thinking) or None,
            tool_calls=tuple(
                ToolCallRequest(id=use.id, name=use.name, arguments="".join(use.arguments) or "{}")
                for _, use in sorted(self.tool_uses.items())
            ),
            reasoning_signature=self.signatures[0] if len(self.signatures) == 1 else None,
            finish_reason=FINISH_REASONS.get(self.stop_reason or "", self.stop_reason),
            usage=Usage(prompt_tokens=self.input_tokens, completion_tokens=self.output_tokens),
        )
