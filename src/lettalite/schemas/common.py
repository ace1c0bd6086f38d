"""Wire conventions shared by every schema."""

import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, field_validator

Order = Literal["asc", "desc"]
NUL_PROBLEM = "contains a NUL character (\\u0000), which cannot be stored"


def _resource_time(value: datetime) -> str:
    # Resources carry microsecond UTC timestamps ending in Z, like Letta's.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _message_time(value: datetime) -> str:
    # Messages carry second-precision timestamps with an explicit +00:00 offset.
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def _assume_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


ResourceTime = Annotated[datetime, PlainSerializer(_resource_time, return_type=str)]
# A time a client sends: without an offset it is UTC, as Letta's server takes it.
InputTime = Annotated[datetime, AfterValidator(_assume_utc)]
MessageTime = Annotated[datetime, PlainSerializer(_message_time, return_type=str)]


class WireModel(BaseModel):
    """A response model: fields are sent as named, including nulls."""

    model_config = ConfigDict(populate_by_name=True)


def unstorable(value: Any) -> str | None:
    """Why a request value cannot be stored as sent, or None.

    PostgreSQL text cannot hold NUL characters and JSON has no NaN or Infinity (Python's
    parser accepts both); nested lists and dicts are searched, nested models check themselves.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return NUL_PROBLEM
        if isinstance(item, float) and not math.isfinite(item):
            return "must be a finite number"
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return None


class RequestModel(BaseModel):
    """A request body: unknown keys are ignored, as the Letta server does."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        problem = unstorable(value)
        if problem is not None:
            raise ValueError(problem)
        return value
