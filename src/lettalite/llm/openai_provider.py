"""The OpenAI Chat Completions provider; any OpenAI-compatible server is this with another URL.

This is the only module that imports the `openai` SDK. It is imported on the first turn, not
at startup, because the SDK takes a noticeable part of a second to import.
"""

from typing import Any

import openai

from lettalite.llm.types import (
    ChatMessage,
    ChatRequest,
    Completion,
    LLMError,
    ToolCallRequest,
    Usage,
)


def _message_dict(message: ChatMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {"role": message.role, "content": message.content}
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


def _request_kwargs(request: ChatRequest) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": request.model,
        "messages": [_message_dict(message) for message in request.messages],
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
        kwargs["tool_choice"] = "auto"
    if request.temperature is not None:
        kwargs["temperature"] = request.temperature
    if request.max_tokens is not None:
        kwargs["max_completion_tokens"] = request.max_tokens
    return kwargs


def _describe(error: openai.APIError) -> LLMError:
    if isinstance(error, openai.AuthenticationError):
        return LLMError(
            "The model provider rejected the API key (401): check OPENAI_API_KEY. "
            f"Provider said: {error.message}",
            status_code=401,
        )
    if isinstance(error, openai.APIStatusError):
        return LLMError(
            f"The model provider answered {error.status_code}: {error.message}",
            status_code=error.status_code,
        )
    if isinstance(error, openai.APITimeoutError):
        return LLMError("The model provider did not answer in time.")
    return LLMError(f"Could not reach the model provider: {error.message}")


class OpenAIProvider:
    def __init__(self, *, base_url: str, api_key: str | None, timeout: float) -> None:
        # A local OpenAI-compatible server needs no key; the SDK insists on a value.
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "not-set", timeout=timeout, max_retries=2
        )

    async def complete(self, request: ChatRequest) -> Completion:
        try:
            response = await self._client.chat.completions.create(**_request_kwargs(request))
        except openai.APIError as error:
            raise _describe(error) from error
        if not response.choices:
            raise LLMError("The model provider returned no choices.")
        choice = response.choices[0]
        message = choice.message
        extra = message.model_extra or {}
        usage = response.usage
        return Completion(
            content=message.content,
            reasoning=extra.get("reasoning_content") or extra.get("reasoning") or None,
            tool_calls=tuple(
                ToolCallRequest(
                    id=call.id, name=call.function.name, arguments=call.function.arguments or ""
                )
                for call in message.tool_calls or ()
                if call.type == "function"
            ),
            finish_reason=choice.finish_reason,
            usage=Usage(
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
            ),
        )

    async def close(self) -> None:
        await self._client.close()
