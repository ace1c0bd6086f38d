"""Tool operations: the built-in catalogue, and custom tools that users write in Python."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.tool_rules import renamed_in_rule
from lettalite.db import agents as agent_queries
from lettalite.db import tools as tool_queries
from lettalite.db.fulltext import query_words
from lettalite.db.mcp_servers import MCP_TOOL_TYPE as MCP
from lettalite.db.models import ToolRow
from lettalite.db.pagination import Page
from lettalite.db.session import flush
from lettalite.errors import InvalidArgument, NotFound
from lettalite.ids import new_id
from lettalite.schemas.tool import (
    DEFAULT_RETURN_CHAR_LIMIT,
    Tool,
    ToolCreate,
    ToolSchemaInputs,
    ToolSearchRequest,
    ToolSearchResult,
    ToolUpdate,
)
from lettalite.services.views import tool_model
from lettalite.tools import TOOLS
from lettalite.tools.source_schema import (
    SchemaError,
    check_json_schema,
    derive_json_schema,
    schema_from_args_json_schema,
    tool_function_name,
)

CUSTOM = "custom"
TOOL_TYPES = (
    CUSTOM,
    "letta_core",
    "letta_memory_core",
    "letta_multi_agent_core",
    "letta_sleeptime_core",
    "letta_voice_sleeptime_core",
    "letta_builtin",
    "letta_files_core",
    MCP,
    "external_langchain",
    "external_composio",
)
BUILTIN_TYPES = tuple(t for t in TOOL_TYPES if t.startswith("letta_"))


def builtin_tool_rows() -> list[dict]:
    """The declared built-in tools in their stored form."""
    return [
        {
            "name": spec.name,
            "tool_type": spec.tool_type,
            "description": spec.description,
            "json_schema": spec.json_schema,
            "tags": [spec.tool_type],
            "return_char_limit": DEFAULT_RETURN_CHAR_LIMIT,
        }
        for spec in TOOLS.values()
    ]


async def sync_builtin_tools(session: AsyncSession) -> None:
    await tool_queries.sync_builtin_tools(session, builtin_tool_rows())


async def add_base_tools(session: AsyncSession) -> list[Tool]:
    await sync_builtin_tools(session)
    await flush(session)
    rows = await tool_queries.tools_by_name(session, TOOLS)
    return [tool_model(rows[name]) for name in TOOLS]


def tool_filter(
    *,
    names: list[str],
    ids: list[str],
    tool_types: list[str],
    exclude_tool_types: list[str],
    search: str | None,
    letta_tools: bool | None,
) -> tool_queries.ToolFilter:
    for tool_type in [*tool_types, *exclude_tool_types]:
        if tool_type not in TOOL_TYPES:
            raise InvalidArgument(
                f"Invalid tool_type '{tool_type}'. Must be one of: {', '.join(TOOL_TYPES)}"
            )
    return tool_queries.ToolFilter(
        names=names,
        ids=ids,
        tool_types=tool_types,
        exclude_tool_types=exclude_tool_types,
        search=search or None,
        letta_tools=letta_tools,
        builtin_types=BUILTIN_TYPES,
    )


async def list_tools(
    session: AsyncSession, *, page: Page, where: tool_queries.ToolFilter
) -> list[Tool]:
    return [tool_model(t) for t in await tool_queries.list_tools(session, page=page, where=where)]


async def count_tools(session: AsyncSession, where: tool_queries.ToolFilter) -> int:
    return await tool_queries.count_tools(session, where)


async def get_tool(session: AsyncSession, tool_id: str) -> Tool:
    return tool_model(await tool_queries.get_tool(session, tool_id))


async def list_agent_tools(session: AsyncSession, agent_id: str, page: Page) -> list[Tool]:
    await agent_queries.get_agent(session, agent_id)
    return [tool_model(t) for t in await tool_queries.list_agent_tools(session, agent_id, page)]


def derived_schema(inputs: ToolSchemaInputs) -> dict[str, Any]:
    """The tool's JSON schema: as given, from `args_json_schema`, or from the Python source."""
    try:
        if inputs.json_schema is not None:
            return check_json_schema(inputs.json_schema)
        if inputs.source_type == "typescript":
            raise InvalidArgument(
                "TypeScript tools require an explicit json_schema parameter: lettalite cannot "
                "derive one from TypeScript source."
            )
        source = inputs.source_code or ""
        if inputs.args_json_schema is not None:
            return schema_from_args_json_schema(source, inputs.args_json_schema)
        return derive_json_schema(source)
    except SchemaError as error:
        raise InvalidArgument(
            f"Failed to derive json schema: Schema generation failed: {error}"
        ) from error


def _custom_fields(request: ToolCreate, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": schema["name"],
        "tool_type": CUSTOM,
        "description": request.description or schema.get("description"),
        "json_schema": schema,
        "source_type": request.source_type or "python",
        "source_code": request.source_code,
        "args_json_schema": request.args_json_schema,
        "return_char_limit": request.return_char_limit,
        "pip_requirements": _requirements(request.pip_requirements),
        "npm_requirements": _requirements(request.npm_requirements),
        "default_requires_approval": bool(request.default_requires_approval),
        "enable_parallel_execution": bool(request.enable_parallel_execution),
    }


def _requirements(requirements: list[Any] | None) -> list[dict[str, Any]] | None:
    return None if requirements is None else [r.model_dump() for r in requirements]


def _refuse_builtin_name(name: str) -> None:
    if name in TOOLS:
        raise InvalidArgument(
            f"Tool name '{name}' belongs to a built-in tool; give your function another name."
        )


async def upsert_tool(session: AsyncSession, request: ToolCreate) -> Tool:
    """Create the tool, or update the one of the same name (its id stays), as Letta's POST and
    PUT both do. Tags are kept when the new list is empty."""
    fields = _custom_fields(request, derived_schema(request))
    _refuse_builtin_name(fields["name"])
    _check_function_name(fields["name"], request.source_code, fields["source_type"])
    row = await tool_queries.tool_named(session, fields["name"])
    tags = request.tags or []
    if row is None:
        row = ToolRow(id=new_id("tool"), tags=tags, metadata_={}, **fields)
        session.add(row)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
        if tags:
            row.tags = tags
    await flush(session)
    return tool_model(row)


async def update_tool(session: AsyncSession, tool_id: str, request: ToolUpdate) -> Tool:
    row = await tool_queries.get_tool(session, tool_id)
    if row.tool_type == MCP:
        raise InvalidArgument(
            f"Tool '{row.name}' comes from an MCP server; refresh the server to update it."
        )
    if row.tool_type != CUSTOM:
        raise InvalidArgument(f"Tool '{row.name}' is built in; only custom tools can be changed.")
    # As Letta applies an update (`exclude_none`): a null leaves the field as it is.
    given = {name for name in request.model_fields_set if getattr(request, name) is not None}
    schema = _updated_schema(row, request)
    if schema["name"] != row.name:
        _refuse_builtin_name(schema["name"])
        if await tool_queries.tool_named(session, schema["name"]) is not None:
            raise InvalidArgument(
                f"INVALID_ARGUMENT: Tool with name '{schema['name']}' already exists"
            )
    source = request.source_code if request.source_code is not None else row.source_code
    _check_function_name(schema["name"], source, request.source_type or row.source_type)
    if schema["name"] != row.name:
        await _rename_in_rules(session, row, schema["name"])
    row.name, row.json_schema = schema["name"], schema
    for name in ("source_code", "source_type", "args_json_schema", "return_char_limit"):
        if name in given:
            setattr(row, name, getattr(request, name))
    for name in ("default_requires_approval", "enable_parallel_execution"):
        if name in given:
            setattr(row, name, bool(getattr(request, name)))
    for name in ("pip_requirements", "npm_requirements"):
        if name in given:
            setattr(row, name, _requirements(getattr(request, name)))
    if "description" in given or "json_schema" in given:
        row.description = request.description or schema.get("description")
    if request.tags is not None:
        row.tags = request.tags
    if request.metadata is not None:
        row.metadata_ = request.metadata
    await flush(session)
    return tool_model(row)


async def _rename_in_rules(session: AsyncSession, row: ToolRow, new_name: str) -> None:
    """Rules naming the tool follow its rename on every agent it is attached to (an approval
    rule left on the old name would silently stop asking)."""
    for agent in await agent_queries.agents_with_tool(session, row.id):
        agent.tool_rules = [
            renamed_in_rule(rule, row.name, new_name) for rule in agent.tool_rules or ()
        ]


def _updated_schema(row: ToolRow, request: ToolUpdate) -> dict[str, Any]:
    """The schema after an update. A given `json_schema` (which may rename the tool) or
    `args_json_schema` wins. New source alone never renames the tool: its schema is derived
    again when that works (Letta keeps the old one; a changed signature would then be
    offered wrongly), else the stored one stays."""
    source = request.source_code if request.source_code is not None else row.source_code
    inputs = ToolSchemaInputs(
        source_code=source,
        source_type=request.source_type or row.source_type,
        json_schema=request.json_schema,
        args_json_schema=request.args_json_schema,
    )
    if request.json_schema is not None or request.args_json_schema is not None:
        return derived_schema(inputs)
    if request.source_code is None:
        return row.json_schema
    try:
        schema = derived_schema(inputs)
    except InvalidArgument:
        return row.json_schema
    return schema if schema["name"] == row.name else row.json_schema


def _check_function_name(name: str, source: str | None, source_type: str) -> None:
    if not source or source_type != "python":
        return
    found = _function_name(source)
    if found != name:
        raise InvalidArgument(
            f"Tool name '{name}' does not match the name in the JSON schema '{name}' or in "
            f"the source code '{found}'"
        )


def _function_name(source: str) -> str | None:
    try:
        return tool_function_name(source)
    except SchemaError:
        return None


async def delete_tool(session: AsyncSession, tool_id: str) -> None:
    row = await tool_queries.get_tool(session, tool_id)
    if row.tool_type not in (CUSTOM, MCP):  # an MCP tool comes back with a refresh
        raise InvalidArgument(
            f"Tool '{row.name}' is built in and cannot be deleted; detach it from agents instead."
        )
    await tool_queries.delete_tool(session, tool_id)


async def attached_tool_named(session: AsyncSession, agent_id: str, name: str) -> ToolRow:
    agent = await agent_queries.get_agent(session, agent_id)
    for link in agent.tool_links:
        if link.tool.name == name:
            return link.tool
    raise NotFound(f"Tool '{name}' not found or not attached to agent '{agent_id}'")


async def search_tools(session: AsyncSession, request: ToolSearchRequest) -> list[ToolSearchResult]:
    """Tools ranked by the full-text match of the query (any word may match), filtered by
    type and by tags (any of them)."""
    words = query_words(request.query or "")
    wanted_tags = set(request.tags or ())
    # Tags are a JSON list, filtered here: then the ranking must not be cut short in SQL.
    limit = None if wanted_tags else request.limit
    rows = await tool_queries.search_tools(session, words, request.tool_types or [], limit)
    if wanted_tags:
        rows = [row for row in rows if wanted_tags.intersection(row.tags or ())]
    return [
        ToolSearchResult(
            tool=tool_model(row),
            embedded_text=f"{row.name}: {row.description or ''}".strip(),
            fts_rank=rank if words else None,
            combined_score=1 / rank if words else 0.0,
        )
        for rank, row in enumerate(rows[: request.limit], start=1)
    ]
