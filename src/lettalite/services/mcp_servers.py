"""MCP servers: registering them, storing their tools as tool rows, refreshing and running them.

Talking to a server never happens while this request has written anything: tools are listed
first, then stored, so a slow server holds no database lock.
"""

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.mcp_tools import SpecLoader, call_mcp_tool
from lettalite.agent.toolbox import McpToolRef
from lettalite.db import agents as agent_queries
from lettalite.db import mcp_servers as queries
from lettalite.db import tools as tool_queries
from lettalite.db.models import ToolRow
from lettalite.db.server_models import McpServerRow
from lettalite.db.session import Database, flush
from lettalite.errors import Conflict, InvalidArgument, McpConnectionError, NotFound
from lettalite.ids import new_id
from lettalite.mcp_client import McpConnections, McpServerSpec, McpUnavailable
from lettalite.mcp_client.connections import McpTool
from lettalite.schemas.mcp import (
    CreateMcpServer,
    HttpConfig,
    HttpUpdate,
    LegacyServerConfig,
    McpRefreshResult,
    McpServer,
    McpToolRunResult,
    StdioConfig,
    StdioUpdate,
    UpdateMcpServer,
)
from lettalite.schemas.tool import DEFAULT_RETURN_CHAR_LIMIT, Tool
from lettalite.secret_box import SecretBox, mask
from lettalite.services.views import tool_model

STDIO_DISABLED = (
    "MCP stdio servers are disabled: they run a program on this machine. "
    "Set LETTALITE_MCP_ALLOW_STDIO=true to enable them."
)
# Cloud metadata endpoints hand out credentials; nothing else is refused (see README).
BLOCKED_HOSTS = ("metadata.google.internal", "metadata")


@dataclass(frozen=True)
class McpRuntime:
    """What MCP operations need beyond the database: the app's sessions and the secret box."""

    connections: McpConnections
    box: SecretBox
    allow_stdio: bool

    def loader(self, database: Database) -> SpecLoader:
        """Reads a server's settings when one of its tools is called, in a short session."""

        async def load(server_id: str) -> McpServerSpec:
            async with database.session() as session:
                row = await session.get(McpServerRow, server_id)
                if row is None:
                    raise LookupError(server_id)
                return server_spec(row, self.box)

        return load


def server_spec(row: McpServerRow, box: SecretBox) -> McpServerSpec:
    secrets = box.open(row.sealed_secrets)
    return McpServerSpec(
        server_id=row.id,
        server_name=row.server_name,
        server_type=row.server_type,  # type: ignore[arg-type]
        server_url=row.server_url,
        headers=_headers(row.auth_header, secrets.get("auth_token"), secrets.get("custom_headers")),
        command=row.command,
        args=tuple(row.args or ()),
        env=secrets.get("env") or {},
    )


def _headers(
    auth_header: str | None, token: str | None, custom: dict[str, str] | None
) -> dict[str, str]:
    headers = dict(custom or {})
    if token:
        name = auth_header or "Authorization"
        bearer = name.lower() == "authorization" and not token.lower().startswith("bearer ")
        headers.setdefault(name, f"Bearer {token}" if bearer else token)
    return headers


def server_model(row: McpServerRow, box: SecretBox) -> McpServer:
    secrets = box.open(row.sealed_secrets)
    if row.server_type == "stdio":
        env = secrets.get("env")
        return McpServer(
            id=row.id,
            server_name=row.server_name,
            mcp_server_type="stdio",
            command=row.command,
            args=list(row.args or ()),
            env=_masked(env) if env is not None else None,
        )
    custom = secrets.get("custom_headers")
    return McpServer(
        id=row.id,
        server_name=row.server_name,
        mcp_server_type=row.server_type,  # type: ignore[arg-type]
        server_url=row.server_url,
        auth_header=row.auth_header,
        auth_token=mask(secrets.get("auth_token")),
        custom_headers=_masked(custom) if custom is not None else None,
    )


def _masked(values: dict[str, str]) -> dict[str, str]:
    return {key: mask(value) or "" for key, value in values.items()}


def check_url(url: str) -> str:
    """An http(s) URL with a host. Loopback and private hosts are allowed: a self-hosted
    server's MCP servers usually run beside it, and only its operators may register them."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidArgument(f"server_url must be an http(s) URL with a host, not {url!r}")
    host = parts.hostname.lower()
    try:
        link_local = ipaddress.ip_address(host).is_link_local
    except ValueError:
        link_local = False
    if link_local or host in BLOCKED_HOSTS:
        raise InvalidArgument(f"server_url may not point at a cloud metadata address: {host}")
    return url


ConfigFields = StdioConfig | HttpConfig | StdioUpdate | HttpUpdate


def _apply_config(
    row: McpServerRow, config: ConfigFields, box: SecretBox, allow_stdio: bool
) -> None:
    """Write a full or partial config onto the row; only the fields given change."""
    given = config.model_fields_set
    secrets = box.open(row.sealed_secrets)
    if config.mcp_server_type == "stdio":
        if not allow_stdio:
            raise InvalidArgument(STDIO_DISABLED)
        row.server_type = "stdio"
        row.command = config.command if config.command is not None else row.command
        row.args = config.args if config.args is not None else row.args
        if "env" in given:
            secrets["env"] = _unmasked(config.env, secrets.get("env"))
    else:
        row.server_type = config.mcp_server_type
        if config.server_url is not None:
            row.server_url = check_url(config.server_url)
        if "auth_header" in given:
            row.auth_header = config.auth_header
        for name in ("auth_token", "custom_headers"):
            if name in given:
                secrets[name] = _unmasked(getattr(config, name), secrets.get(name))
    row.sealed_secrets = box.seal(secrets) if any(secrets.values()) else None


def _unmasked(given: Any, stored: Any) -> Any:
    """A secret (or a dict of them) as sent back from a response (masked) means "unchanged"."""
    if isinstance(given, dict):
        old = stored if isinstance(stored, dict) else {}
        return {key: _unmasked(value, old.get(key)) for key, value in given.items()}
    if isinstance(given, str) and isinstance(stored, str) and given == mask(stored):
        return stored
    return given


def _tool_schema(tool: McpTool) -> dict[str, Any]:
    """The tool's input schema as declared, made an object schema the models accept."""
    parameters = dict(tool.input_schema)
    parameters["type"] = "object"
    parameters.setdefault("properties", {})
    parameters.setdefault("required", [])
    return {"name": tool.name, "description": tool.description or "", "parameters": parameters}


async def _offered_tools(runtime: McpRuntime, spec: McpServerSpec) -> list[McpTool]:
    try:
        return await runtime.connections.list_tools(spec)
    except McpUnavailable as error:
        raise McpConnectionError(
            f"Could not connect to MCP server {spec.server_name}: {error}"
        ) from error


async def _store_tools(
    session: AsyncSession, row: McpServerRow, offered: list[McpTool]
) -> McpRefreshResult:
    """Make the server's tool rows match what it offers. A tool named like a tool that is not
    another MCP server's (a built-in or custom one) is skipped, never overwritten."""
    stored = {tool.name: tool for tool in await queries.server_tools(session, row.id)}
    others = await tool_queries.tools_by_name(session, (t.name for t in offered))
    added, updated = [], []
    for tool in offered:
        schema = _tool_schema(tool)
        existing = stored.get(tool.name) or others.get(tool.name)
        if existing is not None and existing.tool_type != queries.MCP_TOOL_TYPE:
            continue
        fields = {
            "description": tool.description,
            "json_schema": schema,
            "tags": [f"mcp:{row.server_name}"],
            "metadata_": {"mcp": {"server_name": row.server_name, "server_id": row.id}},
        }
        if existing is None:
            session.add(mcp_tool_row(tool.name, fields))
            added.append(tool.name)
            continue
        if any(getattr(existing, key) != value for key, value in fields.items()):
            updated.append(tool.name)
            for key, value in fields.items():
                setattr(existing, key, value)
    gone = [tool for name, tool in stored.items() if name not in {t.name for t in offered}]
    await queries.delete_tools(session, [tool.id for tool in gone])
    await flush(session)
    return McpRefreshResult(deleted=[t.name for t in gone], updated=updated, added=added)


def mcp_tool_row(name: str, fields: dict[str, Any]) -> ToolRow:
    return ToolRow(
        id=new_id("tool"),
        name=name,
        tool_type=queries.MCP_TOOL_TYPE,
        source_type="json",
        return_char_limit=DEFAULT_RETURN_CHAR_LIMIT,
        **fields,
    )


def new_server_row(
    name: str, config: StdioConfig | HttpConfig, runtime: McpRuntime
) -> McpServerRow:
    """A new server's row from its config; not yet stored, nor connected to."""
    row = McpServerRow(id=new_id("mcp_server"), server_name=name)
    _apply_config(row, config, runtime.box, runtime.allow_stdio)
    return row


async def create_server(
    session: AsyncSession, runtime: McpRuntime, request: CreateMcpServer
) -> McpServer:
    """Register the server and store its tools; a server that cannot be reached yet is still
    registered (its tools come with a refresh)."""
    if await queries.server_named(session, request.server_name) is not None:
        raise Conflict(f"An MCP server named '{request.server_name}' already exists")
    row = new_server_row(request.server_name, request.config, runtime)
    try:
        offered = await runtime.connections.list_tools(server_spec(row, runtime.box))
    except McpUnavailable:
        offered = None
    session.add(row)
    await flush(session)
    if offered is not None:
        await _store_tools(session, row, offered)
    return server_model(row, runtime.box)


async def list_servers(session: AsyncSession, runtime: McpRuntime) -> list[McpServer]:
    return [server_model(row, runtime.box) for row in await queries.list_servers(session)]


async def get_server(session: AsyncSession, runtime: McpRuntime, server_id: str) -> McpServer:
    return server_model(await queries.get_server(session, server_id), runtime.box)


async def update_server(
    session: AsyncSession, runtime: McpRuntime, server_id: str, request: UpdateMcpServer
) -> McpServer:
    row = await queries.get_server(session, server_id)
    if (row.server_type == "stdio") != (request.config.mcp_server_type == "stdio"):
        raise InvalidArgument(
            f"MCP server '{row.server_name}' is {row.server_type}; its type cannot change "
            f"to {request.config.mcp_server_type}"
        )
    name = request.server_name
    if name is not None and name != row.server_name:
        if await queries.server_named(session, name) is not None:
            raise Conflict(f"An MCP server named '{name}' already exists")
        row.server_name = name
        for tool in await queries.server_tools(session, row.id):
            tool.tags = [f"mcp:{name}"]
            tool.metadata_ = {"mcp": {"server_name": name, "server_id": row.id}}
    _apply_config(row, request.config, runtime.box, runtime.allow_stdio)
    await flush(session)
    await runtime.connections.forget(row.id)
    return server_model(row, runtime.box)


async def delete_server(session: AsyncSession, runtime: McpRuntime, server_id: str) -> None:
    """The server and its tools (detached from every agent)."""
    row = await queries.get_server(session, server_id)
    tools = await queries.server_tools(session, row.id)
    await queries.delete_tools(session, [tool.id for tool in tools])
    await queries.delete_server(session, row.id)
    await runtime.connections.forget(row.id)


async def list_server_tools(session: AsyncSession, server_id: str) -> list[Tool]:
    await queries.get_server(session, server_id)
    return [tool_model(tool) for tool in await queries.server_tools(session, server_id)]


async def _server_tool(session: AsyncSession, server_id: str, tool_id: str) -> ToolRow:
    await queries.get_server(session, server_id)
    tool = await session.get(ToolRow, tool_id)
    if tool is None or queries.tool_server_id(tool) != server_id:
        raise NotFound(f"Tool {tool_id} not found on MCP server {server_id}")
    return tool


async def get_server_tool(session: AsyncSession, server_id: str, tool_id: str) -> Tool:
    return tool_model(await _server_tool(session, server_id, tool_id))


async def refresh_server(
    session: AsyncSession, runtime: McpRuntime, server_id: str
) -> McpRefreshResult:
    row = await queries.get_server(session, server_id)
    offered = await _offered_tools(runtime, server_spec(row, runtime.box))
    return await _store_tools(session, row, offered)


async def run_server_tool(
    session: AsyncSession,
    runtime: McpRuntime,
    server_id: str,
    tool_id: str,
    arguments: dict[str, Any],
) -> McpToolRunResult:
    tool = await _server_tool(session, server_id, tool_id)
    spec = server_spec(await queries.get_server(session, server_id), runtime.box)

    async def load(_: str) -> McpServerSpec:
        return spec

    ref = McpToolRef(server_id, tool.name)
    outcome = await call_mcp_tool(ref, arguments, runtime.connections, load)
    return McpToolRunResult(status=outcome.status, func_return=outcome.message)


async def agent_servers(
    session: AsyncSession, runtime: McpRuntime, agent_id: str
) -> list[McpServer]:
    """The servers whose tools the agent has attached."""
    await agent_queries.get_agent(session, agent_id)
    ids = await queries.agent_server_ids(session, agent_id)
    return [
        server_model(row, runtime.box)
        for row in await queries.list_servers(session)
        if row.id in ids
    ]


# The older API (`/v1/tools/mcp/servers`), which names servers instead of ids.


def legacy_create(config: LegacyServerConfig) -> CreateMcpServer:
    """The older flat body as the new one; fields that do not fit its type are a 400."""
    given = config.model_dump(exclude_unset=True, exclude={"server_name", "type"})
    if config.type == "stdio":
        given.setdefault("args", [])
    body = {"server_name": config.server_name, "config": {"mcp_server_type": config.type, **given}}
    try:
        return CreateMcpServer.model_validate(body)
    except ValidationError as error:
        raise InvalidArgument(str(error)) from error


def legacy_config(server: McpServer) -> dict[str, Any]:
    body = server.model_dump(exclude_none=True, exclude={"id", "mcp_server_type"})
    return {"type": server.mcp_server_type, **body}


async def legacy_configs(session: AsyncSession, runtime: McpRuntime) -> list[dict[str, Any]]:
    return [legacy_config(server) for server in await list_servers(session, runtime)]


async def server_id_named(session: AsyncSession, name: str) -> str:
    row = await queries.server_named(session, name)
    if row is None:
        raise NotFound(f"MCP server '{name}' not found")
    return row.id


async def live_tools(session: AsyncSession, runtime: McpRuntime, name: str) -> list[dict[str, Any]]:
    """The tools the server offers now (a call to it), in MCP's own shape."""
    row = await queries.get_server(session, await server_id_named(session, name))
    offered = await _offered_tools(runtime, server_spec(row, runtime.box))
    healthy = {"status": "STRICT_COMPLIANT", "reasons": []}
    return [
        {
            "name": tool.name,
            "description": tool.description,
            "inputSchema": tool.input_schema,
            "health": healthy,
        }
        for tool in offered
    ]
