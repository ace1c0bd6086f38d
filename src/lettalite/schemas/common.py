"""Wire conventions shared by every schema."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer

Order = Literal["asc", "desc"]


def _resource_time(value: datetime) -> str:
    # Resources carry microsecond UTC timestamps ending in Z, like Letta's.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _message_time(value: datetime) -> str:
    # Messages carry second-precision timestamps with an explicit +00:00 offset.
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


ResourceTime = Annotated[datetime, PlainSerializer(_resource_time, return_type=str)]
MessageTime = Annotated[datetime, PlainSerializer(_message_time, return_type=str)]


class WireModel(BaseModel):
    """A response model: fields are sent as named, including nulls."""

    model_config = ConfigDict(populate_by_name=True)


class RequestModel(BaseModel):
    """A request body: unknown keys are ignored, as the Letta server does."""

    model_config = ConfigDict(extra="ignore")
