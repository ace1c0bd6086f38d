"""Providers a team adds at run time (BYOK) on the wire: `/v1/providers`."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from lettalite.schemas.common import RequestModel, ResourceTime, WireModel

# A handle's prefix: `<name>/<model>`.
ProviderName = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_.-]+$")
]


class ProviderKeys(RequestModel):
    """What reaching a provider takes besides its type. Empty strings mean "not given", as
    Letta's server reads them."""

    api_key: str = Field(min_length=1, max_length=4096)
    access_key: str | None = Field(None, max_length=4096)
    region: str | None = Field(None, max_length=64)
    base_url: str | None = Field(None, max_length=2048, pattern=r"^https?://")
    api_version: str | None = Field(None, max_length=64)

    @field_validator("access_key", "region", "base_url", "api_version", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class ProviderCheck(ProviderKeys):
    provider_type: str = Field(min_length=1, max_length=32)


class ProviderCreate(ProviderCheck):
    # Letta refuses unknown fields here: a misspelt `base_url` would otherwise go unnoticed.
    model_config = ConfigDict(extra="forbid")

    name: ProviderName


class ProviderUpdate(ProviderKeys):
    model_config = ConfigDict(extra="forbid")


class Provider(WireModel):
    id: str
    name: str
    provider_type: str
    provider_category: Literal["base", "byok"] = "byok"
    # The key as responses show it (its first characters); the key itself never leaves.
    api_key: str | None = None
    access_key: str | None = None
    base_url: str | None = None
    region: str | None = None
    api_version: str | None = None
    updated_at: ResourceTime | None = None
    last_synced: ResourceTime | None = None
    api_key_enc: str | None = None
    access_key_enc: str | None = None


class ProviderMessage(WireModel):
    message: str
