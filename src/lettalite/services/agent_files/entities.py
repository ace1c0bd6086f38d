"""Import of the shared entities an agent refers to: MCP servers, tools and blocks.

Servers and tools are matched by name with what the server already has; blocks are always
new, one row per block of the file, so agents sharing a block in the file share it here.
"""

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db import mcp_servers as mcp_queries
from lettalite.db import tools as tool_queries
from lettalite.db.mcp_servers import MCP_TOOL_TYPE
from lettalite.db.models import BlockRow, ToolRow
from lettalite.db.server_models import McpServerRow
from lettalite.errors import InvalidArgument
from lettalite.ids import new_id
from lettalite.schemas.agent_file import BlockEntry, McpServerEntry, ToolEntry
from lettalite.schemas.mcp import HttpConfig, StdioConfig
from lettalite.schemas.tool import ToolCreate
from lettalite.services.agent_files.document import validation_detail
from lettalite.services.mcp_servers import McpRuntime, mcp_tool_row, new_server_row
from lettalite.services.tools import BUILTIN_TYPES, CUSTOM, upsert_tool
from lettalite.tools import TOOLS
from lettalite.tools.source_schema import SchemaError, tool_function_name


def _server_config(entry: McpServerEntry) -> StdioConfig | HttpConfig:
    """The server's connection without secrets: they are not in the file."""
    try:
        if entry.server_type == "stdio":
            stdio = entry.stdio_config or {}
            return StdioConfig(command=stdio.get("command"), args=stdio.get("args") or [])
        return HttpConfig(mcp_server_type=entry.server_type, server_url=entry.server_url)
    except ValidationError as error:
        raise InvalidArgument(
            f"Import failed: MCP server {entry.server_name!r}: {validation_detail(error)}"
        ) from error


async def import_mcp_servers(
    session: AsyncSession, entries: list[McpServerEntry], runtime: McpRuntime
) -> dict[str, McpServerRow]:
    """File id -> server: the one of that name here, or a new one without secrets (its
    owner adds the token or environment, then refreshes it)."""
    servers = {}
    for entry in entries:
        row = await mcp_queries.server_named(session, entry.server_name)
        if row is None:
            row = new_server_row(entry.server_name, _server_config(entry), runtime)
            session.add(row)
        servers[entry.id] = row
    return servers


def _tool_problem(entry: ToolEntry, problem: str) -> InvalidArgument:
    return InvalidArgument(f"Import failed: tool {entry.name or entry.id!r}: {problem}")


async def _custom_tool(session: AsyncSession, entry: ToolEntry, override: bool) -> ToolRow:
    fields = entry.model_dump(
        include={
            "source_code",
            "source_type",
            "json_schema",
            "args_json_schema",
            "description",
            "tags",
            "return_char_limit",
            "pip_requirements",
            "npm_requirements",
            "default_requires_approval",
            "enable_parallel_execution",
        },
        exclude_none=True,
    )
    try:
        request = ToolCreate.model_validate(fields)
    except ValidationError as error:
        raise _tool_problem(entry, validation_detail(error)) from error
    if request.source_type in (None, "python"):
        try:
            tool_function_name(request.source_code)
        except SchemaError as error:
            raise _tool_problem(entry, f"its Python source cannot be read: {error}") from error
    existing = await tool_queries.tool_named(session, entry.name) if entry.name else None
    if existing is not None and existing.tool_type != CUSTOM:
        raise _tool_problem(entry, f"this server's tool of that name is a {existing.tool_type}")
    if existing is not None and not override:
        return existing
    try:
        created = await upsert_tool(session, request)
    except InvalidArgument as error:
        raise _tool_problem(entry, error.detail) from error
    row = await tool_queries.tool_named(session, created.name)
    assert row is not None
    if entry.metadata_:
        row.metadata_ = entry.metadata_
    return row


async def _mcp_tool(
    session: AsyncSession, entry: ToolEntry, servers: dict[str, McpServerRow]
) -> ToolRow:
    reference = (entry.metadata_ or {}).get("mcp") or {}
    server = servers.get(reference.get("server_id"))
    if server is None and isinstance(reference.get("server_name"), str):
        server = await mcp_queries.server_named(session, reference["server_name"])
    if server is None or not entry.name or not entry.json_schema:
        raise _tool_problem(
            entry, "an MCP tool needs a name, a json_schema and its server in `mcp_servers`"
        )
    existing = await tool_queries.tool_named(session, entry.name)
    if existing is not None:
        if existing.tool_type != MCP_TOOL_TYPE:
            raise _tool_problem(entry, f"this server's tool of that name is a {existing.tool_type}")
        return existing
    fields = {
        "description": entry.description,
        "json_schema": entry.json_schema,
        "tags": [f"mcp:{server.server_name}"],
        "metadata_": {"mcp": {"server_name": server.server_name, "server_id": server.id}},
    }
    row = mcp_tool_row(entry.name, fields)
    session.add(row)
    return row


async def import_tools(
    session: AsyncSession,
    entries: list[ToolEntry],
    servers: dict[str, McpServerRow],
    *,
    override_existing: bool,
) -> dict[str, ToolRow]:
    """File id -> tool. Custom tools are created or (with `override_existing`) overwrite the
    same-named one; built-in and MCP tools are matched by name."""
    builtins = await tool_queries.tools_by_name(session, TOOLS)
    tools = {}
    for entry in entries:
        if entry.tool_type == CUSTOM:
            tools[entry.id] = await _custom_tool(session, entry, override_existing)
        elif entry.tool_type == MCP_TOOL_TYPE:
            tools[entry.id] = await _mcp_tool(session, entry, servers)
        elif entry.tool_type in BUILTIN_TYPES and entry.name in builtins:
            tools[entry.id] = builtins[entry.name]
        else:
            raise _tool_problem(
                entry,
                f"tool_type {entry.tool_type!r} with this name is not a tool this server "
                f"runs (its built-in tools: {', '.join(sorted(builtins))})",
            )
    return tools


def import_blocks(session: AsyncSession, entries: list[BlockEntry]) -> dict[str, BlockRow]:
    blocks = {}
    for entry in entries:
        if len(entry.value) > entry.limit:
            raise InvalidArgument(
                f"Import failed: block {entry.id} ({entry.label}) has {len(entry.value)} "
                f"characters, over its limit of {entry.limit}"
            )
        blocks[entry.id] = BlockRow(
            id=new_id("block"),
            label=entry.label,
            value=entry.value,
            limit=entry.limit,
            description=entry.description,
            read_only=entry.read_only,
            metadata_=entry.metadata or {},
            tags=entry.tags or [],
        )
        session.add(blocks[entry.id])
    return blocks
