"""Identities on the wire: who agents and blocks belong to (a user, an org, ...)."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from lettalite.ids import id_pattern
from lettalite.schemas.common import MAX_BLOCKS, MAX_ITEMS, RequestModel, WireModel

IdentityType = Literal["org", "user", "other"]
PropertyType = Literal["string", "number", "boolean", "json"]
AgentIdItem = Annotated[str, Field(pattern=id_pattern("agent"))]
BlockIdItem = Annotated[str, Field(pattern=id_pattern("block"))]
IdentityIdItem = Annotated[str, Field(pattern=id_pattern("identity"))]
MAX_PROPERTIES = 256


class IdentityProperty(RequestModel):
    """`{"key": "plan", "value": "pro", "type": "string"}`; the value must be of its type
    (checked by the service: the schema cannot say it, so a mismatch is a 400)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=255)
    value: str | int | float | bool | dict[str, Any]
    type: PropertyType

    def has_its_type(self) -> bool:
        if self.type == "string":
            return isinstance(self.value, str)
        if self.type == "number":
            return isinstance(self.value, int | float) and not isinstance(self.value, bool)
        if self.type == "boolean":
            return isinstance(self.value, bool)
        return isinstance(self.value, dict)


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
