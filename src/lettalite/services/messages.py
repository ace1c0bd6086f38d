"""Message history operations."""

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.memory import recompile_system_prompt
from lettalite.agent.render import letta_messages
from lettalite.db import agents as agent_queries
from lettalite.db import messages as message_queries
from lettalite.db.pagination import Page
from lettalite.schemas.agent import AgentState
from lettalite.schemas.message import LettaMessage, MessageType
from lettalite.services.agents import render


async def list_messages(
    session: AsyncSession,
    agent_id: str,
    *,
    page: Page,
    include_types: list[MessageType] | None,
) -> list[LettaMessage]:
    await agent_queries.get_agent(session, agent_id)
    rows = await message_queries.list_messages(session, agent_id, page)
    rendered = [message for row in rows for message in letta_messages(row)]
    if include_types is not None:
        rendered = [message for message in rendered if message.message_type in include_types]
    return rendered


async def reset_messages(session: AsyncSession, agent_id: str) -> AgentState:
    """Empty the context window; every message stays stored and searchable."""
    agent = await agent_queries.get_agent(session, agent_id)
    agent.context_start_sequence = agent.next_sequence
    await recompile_system_prompt(session, agent)
    return await render(session, agent)
