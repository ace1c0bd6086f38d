"""MCP servers on the wire (`/v1/mcp-servers`): bodies are Letta's, with secrets masked in
responses."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag

from lettalite.schemas.common import RequestModel, WireModel

Headers = dict[str, Annotated[str, Field(max_length=8192)]]
ServerName = Annotated[str, Field(min_length=1, max_length=255)]


class _Strict(RequestModel):
    model_config = ConfigDict(extra="forbid")  # as Letta's LettaBase schemas


class StdioConfig(_Strict):
    mcp_server_type: Literal["stdio"] = "stdio"
    command: Annotated[str, Field(min_length=1)]
    args: list[str]
    env: dict[str, str] | None = None


class HttpConfig(_Strict):
    mcp_server_type: Literal["sse", "streamable_http"] = "streamable_http"
    server_url: Annotated[str, Field(min_length=1, max_length=2048)]
    auth_header: str | None = None
    auth_token: str | None = None
    custom_headers: Headers | None = None


class StdioUpdate(_Strict):
    mcp_server_type: Literal["stdio"] = "stdio"
    command: str | None = None
    args: list[str] | None = None
    env: dict[str, str] | None = None


class HttpUpdate(_Strict):
    mcp_server_type: Literal["sse", "streamable_http"] = "streamable_http"
    server_url: str | None = None
    auth_header: str | None = None
    auth_token: str | None = None
    custom_headers: Headers | None = None


STDIO_FIELDS = {"command", "args", "env"}


def _kind(value: Any) -> str:
    """`stdio` or `http`: from `mcp_server_type`, or guessed from the fields when it is
    missing (the SDK's types leave it optional)."""
    if isinstance(value, dict):
        declared = value.get("mcp_server_type")
        if declared is None:
            return "stdio" if STDIO_FIELDS & value.keys() else "http"
        return "stdio" if declared == "stdio" else "http"
    return "stdio" if getattr(value, "mcp_server_type", None) == "stdio" else "http"


ServerConfig = Annotated[
    Annotated[StdioConfig, Tag("stdio")] | Annotated[HttpConfig, Tag("http")],
    Discriminator(_kind),
]
ServerConfigUpdate = Annotated[
    Annotated[StdioUpdate, Tag("stdio")] | Annotated[HttpUpdate, Tag("http")],
    Discriminator(_kind),
]


class CreateMcpServer(_Strict):
    server_name: ServerName
    config: ServerConfig


class UpdateMcpServer(_Strict):
    server_name: ServerName | None = None
    config: ServerConfigUpdate


class McpServer(WireModel):
    """A registered server. Secrets show their first characters only."""

    id: str
    server_name: str
    mcp_server_type: Literal["stdio", "sse", "streamable_http"]
    # stdio
    command: str | None = None
    args: list[str] | None = None
    env: dict[str, str] | None = None
    # sse, streamable_http
    server_url: str | None = None
    auth_header: str | None = None
    auth_token: str | None = None
    custom_headers: dict[str, str] | None = None


class McpToolRun(_Strict):
    args: dict[str, Any] = Field(default_factory=dict)


class McpToolRunResult(WireModel):
    status: Literal["success", "error"]
    func_return: Any = None
    stdout: list[str] | None = None
    stderr: list[str] | None = None


class McpRefreshResult(WireModel):
    deleted: list[str]
    updated: list[str]
    added: list[str]


class LegacyServerConfig(RequestModel):
    """A server as the older `/v1/tools/mcp/servers` API sends it: flat, with `type`."""

    server_name: ServerName
    type: Literal["stdio", "sse", "streamable_http"] = "streamable_http"
    server_url: str | None = None
    auth_header: str | None = None
    auth_token: str | None = None
    custom_headers: Headers | None = None
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] | None = None
