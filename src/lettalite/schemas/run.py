"""Runs (one per turn) and their steps (one per model call) on the wire."""

from typing import Any, Literal

from pydantic import Field

from lettalite.schemas.common import MAX_TAGS, RequestModel, ResourceTime, Tag, WireModel
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


Feedback = Literal["positive", "negative"]


class Step(WireModel):
    id: str
    run_id: str
    agent_id: str
    model: str
    model_handle: str | None = None
    provider_name: str | None = None
    # Only finished steps are stored: a step's rows commit together or not at all.
    status: Literal["success"] = "success"
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    feedback: Feedback | None = None
    tags: list[str] = Field(default_factory=list)
    created_at: ResourceTime


class StepMetrics(WireModel):
    """How long a step took; lettalite times the model call (the rest is not measured)."""

    id: str
    run_id: str
    agent_id: str
    llm_request_ns: int | None
    llm_request_start_ns: int | None = None
    step_start_ns: int | None = None
    tool_execution_ns: int | None = None
    step_ns: int | None = None


class ProviderTrace(WireModel):
    """What a step sent to its model provider and the completion it got back."""

    id: str
    step_id: str
    run_id: str
    agent_id: str
    call_type: Literal["agent_step"] = "agent_step"
    request_json: dict[str, Any]
    response_json: dict[str, Any]
    latency_ms: int | None
    created_at: ResourceTime


class FeedbackUpdate(RequestModel):
    """`PATCH /v1/steps/{id}/feedback`: a field left out stays as it was; null clears it."""

    feedback: Feedback | None = None
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
