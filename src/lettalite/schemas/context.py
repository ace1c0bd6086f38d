"""The context window on the wire."""

from typing import Any, Literal

from lettalite.schemas.common import RequestModel, ResourceTime, WireModel


class ContextMessage(WireModel):
    """A message as the model is sent it (Letta's internal `Message`, for clients that read
    the context window): its text and image parts, and tool calls in OpenAI's shape."""

    id: str
    agent_id: str
    role: Literal["assistant", "user", "tool", "system", "approval"]
    content: list[dict[str, Any]]
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None
    model: str | None = None
    step_id: str | None = None
    otid: str | None = None
    created_at: ResourceTime


class ContextWindowOverview(WireModel):
    context_window_size_max: int
    context_window_size_current: int
    num_messages: int
    num_recall_memory: int
    num_archival_memory: int
    # The <memory_metadata> section of the system prompt (counts, recompile time).
    num_tokens_external_memory_summary: int
    external_memory_summary: str
    num_tokens_system: int
    num_tokens_core_memory: int
    num_tokens_summary_memory: int
    num_tokens_functions_definitions: int
    num_tokens_messages: int
    system_prompt: str
    core_memory: str
    summary_memory: str | None
    functions_definitions: list[dict[str, Any]]
    messages: list[ContextMessage]


class CompactionRequest(RequestModel):
    compaction_settings: dict | None = None


class CompactionResponse(WireModel):
    summary: str
    num_messages_before: int
    num_messages_after: int
