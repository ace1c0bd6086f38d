"""Token estimates, made locally (no tokenizer download: this works offline) from characters;
compaction corrects them by what the provider reports."""

import json
from collections.abc import Sequence

from lettalite.llm.types import ChatMessage, ChatRequest, ToolDefinition

CHARS_PER_TOKEN = 3.5  # conservative for English; over-estimating is the safe side
TOKENS_PER_MESSAGE = 4
TOKENS_PER_IMAGE = 1000  # a detailed image costs about this much at OpenAI


def estimate_text(text: str | None) -> int:
    return int(len(text or "") / CHARS_PER_TOKEN) + 1


def estimate_message(message: ChatMessage) -> int:
    calls = sum(estimate_text(c.name) + estimate_text(c.arguments) for c in message.tool_calls)
    images = TOKENS_PER_IMAGE * len(message.images)
    return TOKENS_PER_MESSAGE + estimate_text(message.content) + calls + images


def estimate_tools(tools: Sequence[ToolDefinition]) -> int:
    return sum(
        estimate_text(json.dumps(t.parameters)) + estimate_text(t.description) for t in tools
    )


def estimate_request(request: ChatRequest) -> int:
    return sum(estimate_message(m) for m in request.messages) + estimate_tools(request.tools)
