"""Scheduled messages (`/v1/agents/{agent_id}/schedule`): messages the server sends an agent
once at a time, or on a cron schedule."""

from typing import Annotated, Any, Literal

from pydantic import Field

from lettalite.schemas.common import (
    MAX_ITEMS,
    MAX_MESSAGES_PER_SEND,
    MAX_PARTS,
    RequestModel,
    WireModel,
)
from lettalite.schemas.message import (
    DEFAULT_MAX_STEPS,
    MAX_STEPS_CAP,
    CallbackUrl,
    MessageType,
)

LAST_TIME_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z, the last time stored


class ScheduledTextPart(RequestModel):
    type: Literal["text"] = "text"
    text: str
    signature: str | None = None


class ScheduledImageSource(RequestModel):
    type: Literal["base64"] = "base64"
    data: str
    media_type: str = Field(max_length=255)
    detail: str | None = Field(None, max_length=255)


class ScheduledImagePart(RequestModel):
    type: Literal["image"]
    source: ScheduledImageSource


class ScheduledMessageCreate(RequestModel):
    """A message of a schedule, in Letta's shape for schedules (images inline only)."""

    type: Literal["message"] = "message"
    role: Literal["user", "assistant", "system"]
    content: (
        str | Annotated[list[ScheduledTextPart | ScheduledImagePart], Field(max_length=MAX_PARTS)]
    )
    name: str | None = Field(None, max_length=255)
    otid: str | None = Field(None, max_length=64)
    sender_id: str | None = Field(None, max_length=255)


class ScheduledRequest(RequestModel):
    """What is sent to the agent each time: a background send, as `/messages/async` takes."""

    messages: list[ScheduledMessageCreate] = Field(min_length=1, max_length=MAX_MESSAGES_PER_SEND)
    max_steps: int = Field(DEFAULT_MAX_STEPS, ge=1, le=MAX_STEPS_CAP)
    callback_url: CallbackUrl | None = None
    include_return_message_types: list[MessageType] | None = Field(None, max_length=MAX_ITEMS)


class OneTimeSchedule(RequestModel):
    type: Literal["one-time"] = "one-time"
    scheduled_at: float = Field(
        ge=0, le=LAST_TIME_MS, description="Unix time in milliseconds, in the future"
    )


class RecurringSchedule(RequestModel):
    type: Literal["recurring"]
    cron_expression: str = Field(
        min_length=1,
        max_length=255,
        description="5 fields (minute hour day month weekday), or 6 with seconds first; UTC",
    )


Schedule = OneTimeSchedule | RecurringSchedule


class ScheduleCreate(ScheduledRequest):
    schedule: Schedule


class ScheduleCreateResponse(WireModel):
    id: str
    next_scheduled_at: str | None  # ISO 8601, UTC


class ScheduledMessageRequest(WireModel):
    messages: list[dict[str, Any]]
    max_steps: int
    callback_url: str | None
    include_return_message_types: list[MessageType] | None


class ScheduledMessage(WireModel):
    id: str
    agent_id: str
    message: ScheduledMessageRequest
    schedule: OneTimeSchedule | RecurringSchedule
    next_scheduled_time: str | None


class ScheduleList(WireModel):
    scheduled_messages: list[ScheduledMessage]
    has_next_page: bool


class ScheduleDeleted(WireModel):
    success: Literal[True] = True
