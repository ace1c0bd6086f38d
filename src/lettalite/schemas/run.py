"""Runs (one per turn) and their steps (one per model call) on the wire."""

from typing import Any, Literal

from lettalite.schemas.common import ResourceTime, WireModel
from lettalite.schemas.message import StopReasonType

RunStatus = Literal["created", "running", "completed", "failed", "cancelled"]


class Run(WireModel):
    id: str
    agent_id: str
    conversation_id: str | None = None
    status: RunStatus
    stop_reason: StopReasonType | None
    background: bool
    metadata: dict[str, Any] | None
    request_config: dict[str, Any] | None
    callback_url: str | None
    callback_sent_at: ResourceTime | None
    callback_status_code: int | None
    callback_error: str | None
    ttft_ns: int | None
    total_duration_ns: int | None
    created_at: ResourceTime
    completed_at: ResourceTime | None


class RunUsage(WireModel):
    completion_tokens: int = 0
    prompt_tokens: int = 0
    total_tokens: int = 0


class Step(WireModel):
    id: str
    run_id: str
    agent_id: str
    model: str
    model_handle: str | None = None
    provider_name: str | None = None
    status: Literal["success"] = "success"
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    created_at: ResourceTime
