"""Message history: per agent and conversation, across all agents, by id, and searched."""

from typing import Literal

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.conversation import Conversation
from lettalite.agent.memory import recompile_system_prompt
from lettalite.agent.render import letta_messages
from lettalite.db import agents as agent_queries
from lettalite.db import messages as message_queries
from lettalite.db.models import MessageRow
from lettalite.db.pagination import Page
from lettalite.schemas.agent import AgentState
from lettalite.schemas.message import (
    LettaMessage,
    MessageSearchRequest,
    MessageSearchResult,
    MessageType,
)
from lettalite.services.agents import render

DEFAULT = "default"
SEARCHED_ROLES = ("user", "assistant")


def rendered(rows: list[MessageRow], include_types: list[MessageType] | None) -> list[LettaMessage]:
    messages = [message for row in rows for message in letta_messages(row)]
    if include_types is not None:
        messages = [message for message in messages if message.message_type in include_types]
    return messages


def conversation_filter(conversation_id: str | None) -> list[ColumnElement[bool]]:
    """`conversation_id` as the listings take it: omitted is every conversation, "default"
    the agent's default conversation, else that conversation."""
    if conversation_id is None:
        return []
    key = None if conversation_id == DEFAULT else conversation_id
    return [message_queries.in_conversation(key)]


async def list_messages(
    session: AsyncSession,
    agent_id: str,
    *,
    page: Page,
    conversation_id: str | None,
    include_types: list[MessageType] | None,
) -> list[LettaMessage]:
    await agent_queries.get_agent(session, agent_id)
    rows = await message_queries.list_messages(
        session, page, MessageRow.agent_id == agent_id, *conversation_filter(conversation_id)
    )
    return rendered(rows, include_types)


async def list_all_messages(
    session: AsyncSession,
    *,
    page: Page,
    conversation_id: str | None,
    include_types: list[MessageType] | None,
) -> list[LettaMessage]:
    rows = await message_queries.list_messages(session, page, *conversation_filter(conversation_id))
    return rendered(rows, include_types)


async def get_message(session: AsyncSession, message_id: str) -> list[LettaMessage]:
    """One stored message as the Letta messages it renders to (e.g. reasoning + tool call)."""
    return letta_messages(await message_queries.get_message(session, message_id))


async def search_messages(
    session: AsyncSession, request: MessageSearchRequest
) -> list[MessageSearchResult]:
    """Full-text search over the text users and assistants wrote, newest-best first."""
    where = conversation_filter(request.conversation_id)
    if request.agent_id is not None:
        where.append(MessageRow.agent_id == request.agent_id)
    rows = await message_queries.search_messages(
        session,
        *where,
        query=request.query,
        roles=SEARCHED_ROLES,
        limit=request.limit,
        start=request.start_date,
        end=request.end_date,
    )
    return [search_result(row) for row in rows]


def search_result(row: MessageRow) -> MessageSearchResult:
    kind: Literal["user_message", "assistant_message", "system_message", "reasoning_message"]
    kind = "user_message" if row.role == "user" else "assistant_message"
    return MessageSearchResult(
        message_type=kind,
        content=row.text,
        message_id=row.id,
        agent_id=row.agent_id,
        conversation_id=row.conversation_id,
        created_at=row.created_at,
    )


async def reset_messages(session: AsyncSession, agent_id: str) -> AgentState:
    """Empty the default conversation's window; every message stays stored and searchable."""
    agent = await agent_queries.get_agent(session, agent_id)
    agent.context_start_sequence = agent.next_sequence
    agent.pending_approval_message_id = None
    await recompile_system_prompt(session, Conversation(agent, agent))
    return await render(session, agent)
