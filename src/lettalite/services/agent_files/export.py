"""Export: an agent, its blocks, tools, MCP servers, messages, archival memory and folders as one
Agent File, every database id replaced by `<prefix>-<n>` and every secret value blanked."""

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db import agents as agent_queries
from lettalite.db import conversations as conversation_queries
from lettalite.db import mcp_servers as mcp_queries
from lettalite.db import messages as message_queries
from lettalite.db.base import utcnow
from lettalite.db.models import (
    AgentArchiveRow,
    AgentRow,
    BlockRow,
    ContextWindow,
    ConversationRow,
    MessageRow,
    PassageRow,
    ToolRow,
)
from lettalite.db.schema import HEAD_REVISION
from lettalite.db.server_models import McpServerRow
from lettalite.errors import NotFound
from lettalite.services.agent_files.folders import export_folders
from lettalite.services.agent_files.ids import IdMap, timestamp
from lettalite.services.agent_files.messages import message_entry
from lettalite.services.views import embedding_config, llm_config


def block_entry(block: BlockRow, ids: IdMap) -> dict[str, Any]:
    return {
        "id": ids("block", block.id),
        "label": block.label,
        "value": block.value,
        "limit": block.limit,
        "description": block.description,
        "read_only": block.read_only,
        "metadata": block.metadata_ or {},
        "tags": block.tags or [],
        "is_template": False,
        "preserve_on_migration": False,
    }


def tool_entry(tool: ToolRow, ids: IdMap) -> dict[str, Any]:
    metadata = dict(tool.metadata_ or {})
    if "mcp" in metadata:
        server_id = metadata["mcp"].get("server_id")
        metadata["mcp"] = {**metadata["mcp"], "server_id": ids.get(server_id) or server_id}
    return {
        "id": ids("tool", tool.id),
        "name": tool.name,
        "tool_type": tool.tool_type,
        "description": tool.description,
        "source_type": tool.source_type,
        "source_code": tool.source_code,
        "json_schema": tool.json_schema,
        "args_json_schema": tool.args_json_schema,
        "tags": tool.tags or [],
        "return_char_limit": tool.return_char_limit,
        "pip_requirements": tool.pip_requirements,
        "npm_requirements": tool.npm_requirements,
        "default_requires_approval": tool.default_requires_approval,
        "enable_parallel_execution": tool.enable_parallel_execution,
        "metadata_": metadata,
    }


def mcp_server_entry(server: McpServerRow, ids: IdMap) -> dict[str, Any]:
    """The server without its token, headers or environment."""
    stdio = None
    if server.server_type == "stdio":
        stdio = {"command": server.command, "args": server.args or []}
    return {
        "id": ids("mcp_server", server.id),
        "server_type": server.server_type,
        "server_name": server.server_name,
        "server_url": server.server_url,
        "stdio_config": stdio,
        "metadata_": {},
    }


def passage_entry(passage: PassageRow, ids: IdMap) -> dict[str, Any]:
    return {
        "id": ids("passage", passage.id),
        "text": passage.text,
        "tags": passage.tags,
        "metadata": passage.metadata_ or {},
        "created_at": timestamp(passage.created_at),
        "embedding_model": passage.embedding_model,
        "embedding": list(passage.embedding) if passage.embedding is not None else None,
    }


async def _window(
    session: AsyncSession, agent: AgentRow, conversation_id: str | None
) -> AgentRow | ConversationRow:
    """The context window exported: the agent's default conversation, or a named one."""
    if conversation_id is None:
        return agent
    conversation = await conversation_queries.get_conversation(session, conversation_id)
    if conversation.agent_id != agent.id:
        raise NotFound(f"Conversation {conversation_id} not found for agent {agent.id}")
    return conversation


async def _history(
    session: AsyncSession, agent: AgentRow, window: ContextWindow
) -> tuple[list[MessageRow], list[str]]:
    """Every message of the conversation in order, and the ids of those in its context."""
    query = (
        select(MessageRow)
        .where(MessageRow.agent_id == agent.id)
        .where(message_queries.in_conversation(window.conversation_key))
        .order_by(MessageRow.sequence)
    )
    rows = list(await session.scalars(query))
    in_context = await message_queries.in_context_messages(session, agent.id, window)
    return rows, [row.id for row in in_context]


async def _mcp_servers(session: AsyncSession, tools: list[ToolRow]) -> list[McpServerRow]:
    server_ids = {mcp_queries.tool_server_id(tool) for tool in tools} - {None}
    if not server_ids:
        return []
    query = select(McpServerRow).where(McpServerRow.id.in_(server_ids))
    return list(await session.scalars(query.order_by(McpServerRow.server_name)))


async def _passages(session: AsyncSession, agent_id: str) -> list[PassageRow]:
    """The passages of every archive attached to the agent: its archival memory."""
    attached = select(AgentArchiveRow.archive_id).where(AgentArchiveRow.agent_id == agent_id)
    query = select(PassageRow).where(PassageRow.archive_id.in_(attached))
    return list(await session.scalars(query.order_by(PassageRow.created_at, PassageRow.id)))


def _agent_entry(agent: AgentRow, ids: IdMap) -> dict[str, Any]:
    blank_secrets = {key: "" for key in agent.secrets or {}}
    embedding = embedding_config(agent.embedding)
    return {
        "id": ids("agent", agent.id),
        "name": agent.name,
        "agent_type": agent.agent_type,
        "system": agent.system,
        "description": agent.description,
        "metadata": agent.metadata_,
        "tags": [row.tag for row in agent.tag_rows],
        "tool_rules": agent.tool_rules or [],
        "llm_config": llm_config(agent).model_dump(mode="json"),
        "embedding_config": embedding.model_dump(mode="json") if embedding else None,
        "model": agent.model,
        "embedding": agent.embedding,
        "context_window_limit": agent.context_window,
        "max_tokens": agent.max_tokens,
        "response_format": agent.response_format,
        "timezone": agent.timezone,
        "secrets": blank_secrets,
        "tool_exec_environment_variables": blank_secrets,
        "memory_blocks": [],
        "tools": [],
        "include_base_tools": False,
        "include_base_tool_rules": False,
        "enable_reasoner": False,
        "enable_sleeptime": False,
        "message_buffer_autoclear": False,
        "source_ids": [],
        "group_ids": [],
        "files_agents": [],
    }


async def export_agent_file(
    session: AsyncSession,
    agent_id: str,
    *,
    conversation_id: str | None = None,
    scrub_messages: bool = False,
) -> dict[str, Any]:
    agent = await agent_queries.get_agent(session, agent_id)
    ids = IdMap()
    entry = _agent_entry(agent, ids)
    blocks = [link.block for link in agent.block_links]
    tools = [link.tool for link in agent.tool_links]
    servers = await _mcp_servers(session, tools)
    server_entries = [mcp_server_entry(server, ids) for server in servers]
    entry["block_ids"] = [ids("block", block.id) for block in blocks]
    entry["tool_ids"] = [ids("tool", tool.id) for tool in tools]
    window = await _window(session, agent, conversation_id)
    rows, in_context = [], []
    if not scrub_messages:
        rows, in_context = await _history(session, agent, window)
    summary_id = window.summary_message_id
    entry["messages"] = [message_entry(row, ids, summary_id) for row in rows]
    entry["in_context_message_ids"] = [ids("message", message_id) for message_id in in_context]
    entry["passages"] = [passage_entry(p, ids) for p in await _passages(session, agent.id)]
    sources, files, entry["files_agents"], entry["source_ids"] = await export_folders(
        session, agent, ids
    )
    return {
        "agents": [entry],
        "groups": [],
        "blocks": [block_entry(block, ids) for block in blocks],
        "files": files,
        "sources": sources,
        "tools": [tool_entry(tool, ids) for tool in tools],
        "mcp_servers": server_entries,
        "skills": [],
        "metadata": {"revision_id": HEAD_REVISION},
        "created_at": timestamp(utcnow()),
    }


def document_text(document: dict[str, Any]) -> str:
    """The document as Letta sends it: JSON indented by two spaces."""
    return json.dumps(document, indent=2, ensure_ascii=False)
