"""Wire conventions shared by every schema."""

import math
import types
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import MaxLen
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

Order = Literal["asc", "desc"]
# How many items the lists of one request may hold (README, "Request limits"): far above what
# a client needs, they keep the work one request can cause small.
MAX_TAGS = 100
MAX_BLOCKS = 100
MAX_TOOLS = 500
MAX_MESSAGES_PER_SEND = 100
MAX_PARTS = 100
MAX_ITEMS = 1000  # any other list: approvals, output lines, rules, ids to cancel
Tag = Annotated[str, Field(max_length=255)]
# The name of an environment variable a tool is given: a process environment cannot hold one
# with "=" in it.
EnvName = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^=]+$")]
UNIONS = (Union, types.UnionType)
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

    model_config = ConfigDict(populate_by_name=True, defer_build=True)


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


def _max_len(metadata: Iterable[Any]) -> int | None:
    for item in metadata:
        if isinstance(item, MaxLen):
            return item.max_length
        if isinstance(item, FieldInfo) and (limit := _max_len(item.metadata)) is not None:
            return limit
    return None


def _item_limit(field: FieldInfo) -> int | None:
    """The item limit of a list field: its own, or that of the list type in its union."""
    limit = _max_len(field.metadata)
    members = get_args(field.annotation) if get_origin(field.annotation) in UNIONS else ()
    for member in members:
        if limit is None and get_origin(member) is Annotated:
            limit = _max_len(member.__metadata__)
    return limit


class RequestModel(BaseModel):
    """A request body: unknown keys are ignored, as the Letta server does."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _lists_within_limits(cls, data: Any) -> Any:
        # Before any item is validated: 690,000 tags are refused in microseconds, not after
        # a second of validating each one.
        if not isinstance(data, dict):
            return data
        for name, field in cls.model_fields.items():
            value = data.get(field.alias or name)
            if not isinstance(value, list):  # most fields are not sent: no limit to find
                continue
            limit = _item_limit(field)
            if limit is not None and len(value) > limit:
                raise ValueError(f"{name}: at most {limit} items are allowed, got {len(value)}")
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        problem = unstorable(value)
        if problem is not None:
            raise ValueError(problem)
        return value
