"""Identities on the wire: who agents and blocks belong to (a user, an org, ...)."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from lettalite.ids import id_pattern
from lettalite.schemas.common import MAX_BLOCKS, MAX_ITEMS, RequestModel, WireModel

IdentityType = Literal["org", "user", "other"]
PropertyType = Literal["string", "number", "boolean", "json"]
AgentIdItem = Annotated[str, Field(pattern=id_pattern("agent"))]
BlockIdItem = Annotated[str, Field(pattern=id_pattern("block"))]
IdentityIdItem = Annotated[str, Field(pattern=id_pattern("identity"))]
MAX_PROPERTIES = 256


def _has_type(value: Any, kind: PropertyType) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return isinstance(value, dict)


class IdentityProperty(RequestModel):
    """`{"key": "plan", "value": "pro", "type": "string"}`; the value must be of its type."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=255)
    value: str | int | float | bool | dict[str, Any]
    type: PropertyType

    @model_validator(mode="after")
    def _value_has_its_type(self) -> "IdentityProperty":
        if not _has_type(self.value, self.type):
            raise ValueError(f"property {self.key!r}: its value is not a {self.type}")
        return self


Properties = list[IdentityProperty]


class Identity(WireModel):
    id: str
    identifier_key: str
    name: str
    identity_type: IdentityType
    project_id: str | None
    agent_ids: list[str]
    block_ids: list[str]
    properties: list[IdentityProperty]


class IdentityFields(RequestModel):
    model_config = ConfigDict(extra="forbid")

    agent_ids: list[AgentIdItem] | None = Field(None, max_length=MAX_ITEMS)
    block_ids: list[BlockIdItem] | None = Field(None, max_length=MAX_BLOCKS)
    properties: Properties | None = Field(None, max_length=MAX_PROPERTIES)


class IdentityCreate(IdentityFields):
    """`POST /v1/identities/` and `PUT /v1/identities/` (the upsert, by identifier_key)."""

    identifier_key: str = Field(min_length=1, max_length=255)
    name: str = Field(min_length=1, max_length=255)
    identity_type: IdentityType
    project_id: str | None = Field(None, max_length=255)


class IdentityUpdate(IdentityFields):
    """`PATCH /v1/identities/{id}`: what is sent replaces what was; lists replace whole."""

    identifier_key: str | None = Field(None, min_length=1, max_length=255)
    name: str | None = Field(None, min_length=1, max_length=255)
    identity_type: IdentityType | None = None
