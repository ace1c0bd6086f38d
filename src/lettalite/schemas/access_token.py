"""Client-side access tokens (`/v1/client-side-access-tokens`), in Letta's shapes."""

from typing import Literal

from pydantic import Field

from lettalite.ids import id_pattern
from lettalite.schemas.common import InputTime, RequestModel, ResourceTime, WireModel

Access = Literal["read_messages", "write_messages", "read_agent", "write_agent"]


class AgentAccess(RequestModel):
    """One entry of a token's policy: what it may do with one agent."""

    type: Literal["agent"]
    id: str = Field(pattern=id_pattern("agent"))
    access: list[Access] = Field(min_length=1, max_length=4)


class CreateAccessToken(RequestModel):
    policy: list[AgentAccess] = Field(min_length=1, max_length=100)
    # The web application's origin, e.g. https://app.example.com: a browser request carrying
    # another Origin is refused.
    hostname: str = Field(pattern=r"^(http|https)://[^/?#\s]+", max_length=2048)
    # Without it the token lasts five minutes.
    expires_at: InputTime | None = None


class AccessPolicy(WireModel):
    version: Literal["1"] = "1"
    data: list[AgentAccess]


class AccessToken(WireModel):
    """A token as created (`token` is the token) or listed (`token` is its id)."""

    token: str
    hostname: str
    expires_at: ResourceTime = Field(alias="expiresAt")
    policy: AccessPolicy


class AccessTokenList(WireModel):
    tokens: list[AccessToken]
    has_next_page: bool = Field(alias="hasNextPage")
