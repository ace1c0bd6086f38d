"""The context window on the wire."""

from lettalite.schemas.common import RequestModel, WireModel


class ContextWindowOverview(WireModel):
    context_window_size_max: int
    context_window_size_current: int
    num_messages: int
    num_recall_memory: int
    num_archival_memory: int
    num_tokens_system: int
    num_tokens_core_memory: int
    num_tokens_summary_memory: int
    num_tokens_functions_definitions: int
    num_tokens_messages: int
    system_prompt: str
    core_memory: str
    summary_memory: str | None


class CompactionRequest(RequestModel):
    compaction_settings: dict | None = None


class CompactionResponse(WireModel):
    summary: str
    num_messages_before: int
    num_messages_after: int
