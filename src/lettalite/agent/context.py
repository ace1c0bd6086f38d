"""Stored messages in and out of the provider-neutral chat form."""

from lettalite.db.models import MessageRow
from lettalite.llm.types import ChatMessage, Completion, ToolCallRequest


def chat_message(message: MessageRow) -> ChatMessage:
    """How a stored message is shown to the model (reasoning is not sent back)."""
    text = message.text
    if message.role == "assistant":
        calls = tuple(
            ToolCallRequest(id=call["id"], name=call["name"], arguments=call["arguments"])
            for call in message.tool_calls or ()
        )
        return ChatMessage(role="assistant", content=text or None, tool_calls=calls)
    if message.role == "tool":
        return ChatMessage(role="tool", content=text, tool_call_id=message.tool_call_id)
    return ChatMessage(role=message.role, content=text)  # type: ignore[arg-type]


def without_nul(text: str) -> str:
    """Model output as it can be stored: PostgreSQL text cannot hold NUL characters."""
    return text.replace("\x00", "")


def assistant_content(completion: Completion) -> list[dict[str, str]]:
    parts = []
    if completion.reasoning:
        parts.append({"type": "reasoning", "reasoning": without_nul(completion.reasoning)})
    if completion.content:
        parts.append({"type": "text", "text": without_nul(completion.content)})
    return parts
