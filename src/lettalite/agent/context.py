"""Stored messages in and out of the provider-neutral chat form."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from lettalite.agent.tokens import estimate_message
from lettalite.db.models import content_text
from lettalite.llm.types import ChatMessage, Completion, SignedThinking, ToolCallRequest

IMAGE_NOT_SHOWN = "[An image was attached here; this model cannot see images.]"
TOOL_IMAGES = "Images returned by the tool calls above:"


def image_url(part: dict[str, Any]) -> str | None:
    """A stored image part as a URL a model can fetch: https as given, inline data as data:."""
    source = part.get("source") or {}
    if source.get("type") == "url":
        return source.get("url")
    if source.get("data"):
        return f"data:{source.get('media_type') or 'image/png'};base64,{source['data']}"
    return None


class StoredMessage(Protocol):
    """What the model is shown of a stored message: a MessageRow, or a decoded row of
    db.messages.HISTORY_COLUMNS (agent/shown_cache.py)."""

    role: str
    content: list[dict[str, Any]]
    tool_calls: list[dict[str, Any]] | None
    tool_call_id: str | None


def _images(message: StoredMessage) -> tuple[str, ...]:
    urls = (image_url(part) for part in message.content if part.get("type") == "image")
    return tuple(url for url in urls if url)


def stored_call(call: dict[str, Any]) -> ToolCallRequest:
    """A tool call as an assistant message stores it, in the provider-neutral form."""
    return ToolCallRequest(id=call["id"], name=call["name"], arguments=call["arguments"])


def chat_message(message: StoredMessage, *, images: bool = True) -> ChatMessage:
    """How a stored message is shown to the model (reasoning is sent back only when its
    provider signed it). A tool result's images are not part of it: `chat_history` shows
    them after the results."""
    text = content_text(message.content)
    attached = _images(message)
    if attached and not images:
        text = "\n".join(filter(None, [text, *[IMAGE_NOT_SHOWN] * len(attached)]))
    if message.role == "assistant":
        calls = tuple(stored_call(call) for call in message.tool_calls or ())
        return ChatMessage(
            role="assistant",
            content=text or None,
            tool_calls=calls,
            signed_thinking=_signed_thinking(message),
        )
    if message.role == "tool":
        return ChatMessage(role="tool", content=text, tool_call_id=message.tool_call_id)
    shown = attached if images else ()
    return ChatMessage(role=message.role, content=text, images=shown)  # type: ignore[arg-type]


def _signed_thinking(message: StoredMessage) -> SignedThinking | None:
    for part in message.content or ():
        if part.get("type") == "reasoning" and part.get("signature"):
            return SignedThinking(part["reasoning"], part["signature"])
    return None


@dataclass(frozen=True, slots=True)
class Shown:
    """What the model is shown of one stored message: the message (None for an approval
    answer, which is bookkeeping), the images a tool result returned (shown after the step's
    results), and the message's estimated tokens."""

    message: ChatMessage | None
    tool_images: tuple[str, ...] = ()
    tokens: int = 0


def shown(message: StoredMessage, *, images: bool) -> Shown:
    if message.role == "approval":
        return Shown(None)
    chat = chat_message(message, images=images)
    returned = _images(message) if message.role == "tool" and images else ()
    return Shown(chat, returned, estimate_message(chat))


def assemble(messages: Iterable[Shown]) -> tuple[list[ChatMessage], int]:
    """The model's message list and its estimated tokens.

    Chat APIs take only text as a tool result, so images that tools returned follow the
    step's results as one user message.
    """
    history: list[ChatMessage] = []
    tokens = 0
    pending_images: list[str] = []
    for item in messages:
        message = item.message
        if message is None:
            continue
        if pending_images and message.role != "tool":
            tokens += _append_images(history, pending_images)
            pending_images = []
        history.append(message)
        tokens += item.tokens
        if item.tool_images:
            pending_images += item.tool_images
    if pending_images:
        tokens += _append_images(history, pending_images)
    return history, tokens


def _append_images(history: list[ChatMessage], images: list[str]) -> int:
    message = ChatMessage("user", TOOL_IMAGES, images=tuple(images))
    history.append(message)
    return estimate_message(message)


def chat_history(messages: Iterable[StoredMessage], *, images: bool) -> list[ChatMessage]:
    """Stored messages as the model's message list (see `assemble`)."""
    return assemble(shown(message, images=images) for message in messages)[0]


def without_nul(text: str) -> str:
    """Model output as it can be stored: PostgreSQL text cannot hold NUL characters."""
    return text.replace("\x00", "")


def json_without_nul(value: Any) -> Any:
    """A JSON value with NUL characters dropped from every string in it (a `\\u0000` escape in
    model output decodes to one)."""
    if isinstance(value, str):
        return without_nul(value)
    if isinstance(value, list):
        return [json_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {json_without_nul(key): json_without_nul(item) for key, item in value.items()}
    return value


def assistant_content(completion: Completion) -> list[dict[str, str]]:
    parts = []
    if completion.reasoning:
        part = {"type": "reasoning", "reasoning": without_nul(completion.reasoning)}
        if completion.reasoning_signature:
            part["signature"] = completion.reasoning_signature
        parts.append(part)
    if completion.content:
        parts.append({"type": "text", "text": without_nul(completion.content)})
    return parts
