"""Agent operations: create, read, list, update, delete, attach and detach."""

import secrets
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from lettalite.agent.conversation import Conversation
from lettalite.agent.memory import (
    compiled_system_prompt,
    first_system_prompt,
    recompile_system_prompt,
    refresh_prompts,
    text_content,
)
from lettalite.agent.prompt import DEFAULT_BLOCK_DESCRIPTIONS, DEFAULT_SYSTEM_PROMPT
from lettalite.agent.render import letta_messages
from lettalite.agent.toolbox import APPROVAL_RULE, approval_rule_names
from lettalite.agent.window_cache import WINDOWS
from lettalite.db import agents as agent_queries
from lettalite.db import archives as archive_queries
from lettalite.db import blocks as block_queries
from lettalite.db import conversations as conversation_queries
from lettalite.db import identities as identity_queries
from lettalite.db import messages as message_queries
from lettalite.db import tools as tool_queries
from lettalite.db.models import (
    AgentBlockRow,
    AgentRow,
    AgentTagRow,
    AgentToolRow,
    BlockRow,
    IdentityAgentRow,
    MessageRow,
    ToolRow,
)
from lettalite.db.pagination import Page
from lettalite.db.session import flush
from lettalite.errors import Conflict, InvalidArgument, NotFound, UnprocessableValue
from lettalite.ids import new_id
from lettalite.llm.catalog import (
    accepts_images,
    default_context_window,
    parse_model,
    served_embedding,
    served_model,
)
from lettalite.schemas.agent import (
    AgentFields,
    AgentSecret,
    AgentState,
    CreateAgent,
    UpdateAgent,
)
from lettalite.schemas.block import CreateBlock
from lettalite.schemas.model_settings import ModelSettings
from lettalite.services.known_tools import KNOWN_TOOLS
from lettalite.services.views import agent_state, secret_models
from lettalite.tools import DEFAULT_TOOL_NAMES

K = TypeVar("K")
L = TypeVar("L")
_NAME_WORDS = ("amber", "brisk", "calm", "deft", "eager", "fond", "keen", "lucid", "merry")


def _default_name() -> str:
    return f"{secrets.choice(_NAME_WORDS)}_agent_{secrets.token_hex(3)}"


async def render(session: AsyncSession, agent: AgentRow) -> AgentState:
    # The window as the agent's steps keep it: its ids without reading every message's.
    images = accepts_images(parse_model(agent.model))
    window = await WINDOWS.read(session, agent.id, agent, images=images)
    pending = None
    if agent.pending_approval_message_id is not None:
        waiting = await message_queries.get_message(session, agent.pending_approval_message_id)
        pending = next(
            (m for m in letta_messages(waiting) if m.message_type == "approval_request_message"),
            None,
        )
    return agent_state(agent, window.ids, pending)


def _default_conversation(agent: AgentRow) -> Conversation:
    return Conversation(agent, agent)


def new_block(spec: CreateBlock) -> BlockRow:
    return BlockRow(
        id=new_id("block"),
        label=spec.label,
        value=spec.value,
        limit=spec.limit,
        description=spec.description or DEFAULT_BLOCK_DESCRIPTIONS.get(spec.label),
        read_only=bool(spec.read_only),
        metadata_=spec.metadata or {},
        tags=spec.tags or [],
    )


def check_block_fits(value: str, limit: int, label: str) -> None:
    if len(value) > limit:
        raise UnprocessableValue(
            f"Block '{label}' value has {len(value)} characters, over its limit of {limit}"
        )


async def _apply_model_fields(agent: AgentRow, fields: AgentFields) -> None:
    handle = fields.model or (fields.llm_config.handle if fields.llm_config else None)
    if handle is None and fields.llm_config and fields.llm_config.model:
        endpoint = fields.llm_config.model_endpoint_type or "openai"
        handle = f"{endpoint}/{fields.llm_config.model}"
    if handle is not None:
        model = await served_model(handle)
        if handle != agent.model:
            agent.model = model.handle
            agent.context_window = default_context_window(model)
    window = fields.context_window_limit or (
        fields.llm_config.context_window if fields.llm_config else None
    )
    if window is not None:
        agent.context_window = window
    if fields.llm_config and fields.llm_config.temperature is not None:
        agent.temperature = fields.llm_config.temperature
    max_tokens = fields.max_tokens or (fields.llm_config.max_tokens if fields.llm_config else None)
    if max_tokens is not None:
        agent.max_tokens = max_tokens
    config = fields.embedding_config
    embedding = fields.embedding or (config.requested_handle() if config else None)
    if embedding is not None:
        agent.embedding = (await served_embedding(embedding)).handle
    if fields.model_settings is not None:
        _apply_model_settings(agent, fields.model_settings)


def _apply_model_settings(agent: AgentRow, settings: ModelSettings) -> None:
    """Stored with the type's defaults filled in; the temperature and an explicit
    `max_output_tokens` are also the agent's own, and an explicit `response_format` too."""
    agent.model_settings = settings.filled()
    agent.temperature = agent.model_settings["temperature"]
    if settings.max_output_tokens is not None:
        agent.max_tokens = settings.max_output_tokens
    if settings.response_format is not None:
        agent.response_format = settings.response_format.model_dump(mode="json")


def _requested_rules(fields: AgentFields) -> list[dict[str, Any]] | None:
    if fields.tool_rules is None:
        return None
    return [rule.model_dump(mode="json") for rule in fields.tool_rules]


def _apply_rules_and_secrets(agent: AgentRow, fields: AgentFields) -> None:
    if fields.tool_rules is not None:
        agent.tool_rules = _requested_rules(fields)
    if "response_format" in fields.model_fields_set:  # an explicit null clears it
        chosen = fields.response_format
        agent.response_format = chosen.model_dump(mode="json") if chosen is not None else None
    if fields.secrets is not None:
        agent.secrets = dict(fields.secrets)


async def set_requires_approval(
    session: AsyncSession, agent_id: str, tool_name: str, requires_approval: bool
) -> AgentState:
    """Add or remove the agent's `requires_approval` rule for a tool (attached or not)."""
    agent = await agent_queries.get_agent(session, agent_id)
    rules = [
        rule
        for rule in agent.tool_rules or ()
        if not (rule.get("type") == APPROVAL_RULE and rule.get("tool_name") == tool_name)
    ]
    if requires_approval:
        rules.append({"type": APPROVAL_RULE, "tool_name": tool_name, "prompt_template": None})
    agent.tool_rules = rules
    await flush(session)
    return await render(session, agent)


async def list_secrets(session: AsyncSession, agent_id: str) -> list[AgentSecret]:
    agent = await agent_queries.get_agent(session, agent_id)
    return secret_models(agent)


async def _resolve_tools(session: AsyncSession, names: list[str], ids: list[str]) -> list[ToolRow]:
    by_name = await tool_queries.tools_by_name(session, names)
    missing = sorted(set(names) - set(by_name))
    if missing:
        raise InvalidArgument(f"Tools not found by name: {missing}")
    by_id = await tool_queries.tools_by_id(session, ids)
    missing_ids = sorted(set(ids) - set(by_id))
    if missing_ids:
        raise NotFound(f"Tools not found: {missing_ids}")
    ordered = [by_name[name] for name in names] + [by_id[tool_id] for tool_id in ids]
    return list({tool.id: tool for tool in ordered}.values())


async def _resolve_blocks(session: AsyncSession, block_ids: list[str]) -> list[BlockRow]:
    return [await block_queries.get_block(session, block_id) for block_id in block_ids]


def _check_unique_labels(blocks: list[BlockRow]) -> None:
    seen: set[str] = set()
    for block in blocks:
        if block.label in seen:
            raise Conflict(f"Duplicate block label '{block.label}': labels are unique per agent")
        seen.add(block.label)


async def _sync_links(
    session: AsyncSession,
    links: list[L],
    wanted: list[K],
    key: Callable[[L], K],
    make: Callable[[K], L],
) -> None:
    """Make a relationship list hold one link per wanted key, reusing the rows that stay.

    Removals are flushed before additions so that a unique key (a label, a tag) that is
    dropped and re-added in one request does not collide with its old row.
    """
    existing = {key(link): link for link in links}
    links[:] = [existing[k] for k in wanted if k in existing]
    await session.flush()
    links.extend(make(k) for k in wanted if k not in existing)


async def _set_blocks(session: AsyncSession, agent: AgentRow, blocks: list[BlockRow]) -> None:
    _check_unique_labels(blocks)
    by_id = {block.id: block for block in blocks}
    await _sync_links(
        session,
        agent.block_links,
        list(by_id),
        lambda link: link.block_id,
        lambda block_id: AgentBlockRow(
            block_id=block_id, label=by_id[block_id].label, block=by_id[block_id]
        ),
    )


async def _set_tools(session: AsyncSession, agent: AgentRow, tools: list[ToolRow]) -> None:
    by_id = {tool.id: tool for tool in tools}
    attached = {link.tool_id for link in agent.tool_links}
    _require_approval_by_default(agent, [t for t in tools if t.id not in attached])
    await _sync_links(
        session,
        agent.tool_links,
        list(by_id),
        lambda link: link.tool_id,
        lambda tool_id: AgentToolRow(tool_id=tool_id, tool=by_id[tool_id]),
    )


# Letta's base tool rules: send_message ends the turn, the memory tools let it go on.
BASE_RULE_TYPES = {"send_message": "exit_loop"}
CONTINUING_TOOL_TYPES = ("letta_core", "letta_memory_core", "letta_sleeptime_core")


def _base_tool_rules(agent: AgentRow, tools: list[ToolRow]) -> list[dict[str, Any]]:
    ruled = {rule.get("tool_name") for rule in agent.tool_rules or ()}
    rules = []
    for tool in tools:
        kind = BASE_RULE_TYPES.get(tool.name)
        if kind is None and tool.tool_type in CONTINUING_TOOL_TYPES:
            kind = "continue_loop"
        if kind is not None and tool.name not in ruled:
            rules.append({"type": kind, "tool_name": tool.name, "prompt_template": None})
    return rules


def _require_approval_by_default(agent: AgentRow, newly_attached: list[ToolRow]) -> None:
    """Tools created with `default_requires_approval` wait for approval on every agent they
    are attached to (a rule the agent's owner can remove afterwards)."""
    ruled = approval_rule_names(agent)
    added = [
        {"type": APPROVAL_RULE, "tool_name": tool.name, "prompt_template": None}
        for tool in newly_attached
        if tool.default_requires_approval and tool.name not in ruled
    ]
    if added:
        agent.tool_rules = [*(agent.tool_rules or ()), *added]


async def _set_tags(session: AsyncSession, agent: AgentRow, tags: list[str]) -> None:
    await _sync_links(
        session,
        agent.tag_rows,
        list(dict.fromkeys(tags)),
        lambda row: row.tag,
        lambda tag: AgentTagRow(tag=tag),
    )


async def _set_identities(session: AsyncSession, agent: AgentRow, identity_ids: list[str]) -> None:
    wanted = list(dict.fromkeys(identity_ids))
    found = await identity_queries.identities_by_id(session, wanted)
    if missing := [i for i in wanted if i not in found]:
        raise NotFound(f"Identity {', '.join(missing)} not found")
    kept = {link.identity_id: link for link in agent.identity_links}
    for link in agent.identity_links:
        if link.identity_id not in found:
            link.identity.agent_links.remove(link)
    agent.identity_links = [kept.get(i) or IdentityAgentRow(identity=found[i]) for i in wanted]


def _new_agent_row(request: CreateAgent) -> AgentRow:
    return AgentRow(
        id=new_id("agent"),
        # Known before the agent is written: no UPDATE once its system message exists.
        system_message_id=new_id("message"),
        name=request.name or _default_name(),
        agent_type=request.agent_type,
        description=request.description,
        system=request.system if request.system is not None else DEFAULT_SYSTEM_PROMPT,
        metadata_=request.metadata,
        timezone=request.timezone or "UTC",
        model="",
        context_window=0,
        next_sequence=1,
        context_start_sequence=1,
        tag_rows=[AgentTagRow(tag=tag) for tag in dict.fromkeys(request.tags or [])],
        identity_links=[],
    )


def _new_agent_tool_rules(agent: AgentRow, request: CreateAgent, tools: list[ToolRow]) -> None:
    """The rules asked for, then the base rules (when asked for) and approval rules of the
    tools a new agent starts with."""
    agent.tool_rules = _requested_rules(request)
    base_rules = request.include_base_tool_rules
    if base_rules if base_rules is not None else not request.include_base_tools:
        agent.tool_rules = [*(agent.tool_rules or ()), *_base_tool_rules(agent, tools)]
    _require_approval_by_default(agent, tools)


async def _read_new_agent_tools(
    session: AsyncSession, request: CreateAgent, *, known: bool
) -> list[ToolRow]:
    """A new agent's tools; its built-in ones as known from an earlier request if `known`."""
    names = [*(DEFAULT_TOOL_NAMES if request.include_base_tools else []), *(request.tools or [])]
    if known and not request.tool_ids and (tools := KNOWN_TOOLS.named(names)) is not None:
        return tools
    tools = await _resolve_tools(session, names, request.tool_ids or [])
    KNOWN_TOOLS.keep(tools)
    return tools


async def _link_new_agent_tools(
    session: AsyncSession, agent: AgentRow, request: CreateAgent, tools: list[ToolRow]
) -> list[ToolRow]:
    """Attach the tools as read; when one has changed or gone since, read them anew and
    remake the agent's rules, made from the tools as read, from them."""
    linked = await agent_queries.link_tools_as_read(session, agent.id, tools)
    if linked == {tool.id for tool in tools}:
        return tools
    if linked:
        await agent_queries.unlink_tools(session, agent.id)
    tools = await _read_new_agent_tools(session, request, known=False)
    _new_agent_tool_rules(agent, request, tools)
    await agent_queries.link_tools(session, agent.id, tools)
    return tools


async def create_agent(session: AsyncSession, request: CreateAgent) -> AgentState:
    if request.model is None and request.llm_config is None:
        raise InvalidArgument("Must specify either model or llm_config in request")
    agent = _new_agent_row(request)
    await _apply_model_fields(agent, request)
    _apply_rules_and_secrets(agent, request)
    new_blocks = [new_block(spec) for spec in request.memory_blocks or []]
    for block in new_blocks:
        check_block_fits(block.value, block.limit, block.label)
    blocks = new_blocks + await _resolve_blocks(session, request.block_ids or [])
    tools = await _read_new_agent_tools(session, request, known=True)
    _check_unique_labels(blocks)
    _new_agent_tool_rules(agent, request, tools)
    session.add(agent)
    session.add_all(new_blocks)
    await _set_identities(session, agent, request.identity_ids or [])
    # The links are inserted without the ORM, below; the agent holds them as if loaded.
    block_links = [AgentBlockRow(block_id=b.id, label=b.label, block=b) for b in blocks]
    set_committed_value(agent, "block_links", block_links)
    system_message = MessageRow(
        id=agent.system_message_id,
        agent_id=agent.id,
        sequence=0,
        role="system",
        content=text_content(first_system_prompt(_default_conversation(agent))),
    )
    session.add(system_message)
    await flush(session)
    await agent_queries.link_blocks(session, agent.id, blocks)
    tools = await _link_new_agent_tools(session, agent, request, tools)
    set_committed_value(agent, "tool_links", [AgentToolRow(tool_id=t.id, tool=t) for t in tools])
    # A new agent's context window is its system message: nothing to read back.
    return agent_state(agent, [system_message.id], None)


async def get_agent(session: AsyncSession, agent_id: str) -> AgentState:
    return await render(session, await agent_queries.get_agent(session, agent_id))


async def list_agents(
    session: AsyncSession,
    *,
    page: Page,
    name: str | None = None,
    tags: Sequence[str] = (),
    match_all_tags: bool = False,
    query_text: str | None = None,
    identity_id: str | None = None,
    identifier_keys: Sequence[str] = (),
    last_stop_reason: str | None = None,
) -> list[AgentState]:
    agents = await agent_queries.list_agents(
        session,
        page=page,
        name=name,
        tags=tags,
        match_all_tags=match_all_tags,
        query_text=query_text,
        identity_id=identity_id,
        identifier_keys=identifier_keys,
        last_stop_reason=last_stop_reason,
    )
    ids = await message_queries.in_context_message_ids(session, agents)
    return [agent_state(agent, ids[agent.id], None) for agent in agents]


async def update_agent(session: AsyncSession, agent_id: str, request: UpdateAgent) -> AgentState:
    agent = await agent_queries.get_agent(session, agent_id)
    fields = request.model_fields_set
    for name in ("name", "description", "timezone"):
        if name in fields and getattr(request, name) is not None:
            setattr(agent, name, getattr(request, name))
    if "metadata" in fields:
        agent.metadata_ = request.metadata
    _apply_rules_and_secrets(agent, request)
    if request.system is not None:
        agent.system = request.system
    embedding = agent.embedding
    await _apply_model_fields(agent, request)
    if agent.embedding != embedding:  # the agent's own archive embeds with its model
        for archive in await archive_queries.owned_archives(session, agent.id):
            archive.embedding = agent.embedding
    if request.tags is not None:
        await _set_tags(session, agent, request.tags)
    if request.identity_ids is not None:
        await _set_identities(session, agent, request.identity_ids)
    if request.block_ids is not None:
        await _set_blocks(session, agent, await _resolve_blocks(session, request.block_ids))
    if request.tool_ids is not None:
        await _set_tools(session, agent, await _resolve_tools(session, [], request.tool_ids))
    await flush(session)
    await refresh_prompts(session, [agent.id])
    return await render(session, agent)


async def recompile(session: AsyncSession, agent_id: str, *, dry_run: bool) -> str:
    """The agent's system prompt compiled from its current memory; stored unless `dry_run`."""
    conversation = _default_conversation(await agent_queries.get_agent(session, agent_id))
    if dry_run:
        return await compiled_system_prompt(session, conversation)
    return await recompile_system_prompt(session, conversation)


async def delete_agent(session: AsyncSession, agent_id: str) -> None:
    agent = await agent_queries.get_agent(session, agent_id)
    await conversation_queries.delete_isolated_blocks(session, agent_id)
    await archive_queries.delete_owned_unshared(session, agent_id)
    await session.delete(agent)


async def attach_block(session: AsyncSession, agent_id: str, block_id: str) -> AgentState:
    agent = await agent_queries.get_agent(session, agent_id)
    block = await block_queries.get_block(session, block_id)
    if all(link.block_id != block.id for link in agent.block_links):
        await _set_blocks(session, agent, [link.block for link in agent.block_links] + [block])
        await flush(session)
        await refresh_prompts(session, [agent.id])
    return await render(session, agent)


async def detach_block(session: AsyncSession, agent_id: str, block_id: str) -> AgentState:
    agent = await agent_queries.get_agent(session, agent_id)
    if all(link.block_id != block_id for link in agent.block_links):
        raise NotFound(f"Block {block_id} is not attached to agent {agent_id}")
    agent.block_links = [link for link in agent.block_links if link.block_id != block_id]
    await flush(session)
    await refresh_prompts(session, [agent.id])
    return await render(session, agent)


async def attach_tool(session: AsyncSession, agent_id: str, tool_id: str) -> AgentState:
    agent = await agent_queries.get_agent(session, agent_id)
    tool = await tool_queries.get_tool(session, tool_id)
    if all(link.tool_id != tool.id for link in agent.tool_links):
        _require_approval_by_default(agent, [tool])
        agent.tool_links.append(AgentToolRow(tool_id=tool.id, tool=tool))
        await flush(session)
    return await render(session, agent)


async def detach_tool(session: AsyncSession, agent_id: str, tool_id: str) -> AgentState:
    agent = await agent_queries.get_agent(session, agent_id)
    await tool_queries.get_tool(session, tool_id)
    agent.tool_links = [link for link in agent.tool_links if link.tool_id != tool_id]
    await flush(session)
    return await render(session, agent)
