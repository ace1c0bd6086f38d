"""Keeping stored system messages in step with the memory blocks they show.

A change to an agent's memory (a block edit, an archival insert, a new system prompt) is
compiled straight away into the system message of the agent's default conversation and of every
agent that shares the edited blocks. Named conversations are only marked stale, however many
there are, and recompile their own system message before their next model request: so an edit
made anywhere is visible to the next turn everywhere.
"""

from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.conversation import Conversation
from lettalite.agent.files import directories
from lettalite.agent.prompt import compile_system_prompt
from lettalite.db import conversations as conversation_queries
from lettalite.db.agents import agents_by_ids
from lettalite.db.base import utcnow
from lettalite.db.folders import folder_count_query
from lettalite.db.messages import recall_count_query
from lettalite.db.models import AgentRow, BlockRow, MessageRow
from lettalite.db.passages import passage_count_query
from lettalite.tools import BlockView


def block_view(block: BlockRow) -> BlockView:
    return BlockView(
        label=block.label,
        value=block.value,
        limit=block.limit,
        read_only=block.read_only,
        description=block.description,
    )


def text_content(text: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": text}]


async def compiled_system_prompt(session: AsyncSession, conversation: Conversation) -> str:
    agent = conversation.agent
    counts = select(
        recall_count_query(agent.id, conversation.window).scalar_subquery(),
        passage_count_query(agent.id).scalar_subquery(),
        folder_count_query(agent.id).scalar_subquery(),
    )
    recalled, archived, folders = (await session.execute(counts)).one()
    return _compile(
        conversation,
        recall_count=recalled,
        archival_count=archived,
        directories=await directories(session, agent) if folders else "",
    )


def first_system_prompt(conversation: Conversation) -> str:
    """The system prompt of an agent being created: nothing is recalled, archived or in a
    folder yet, so nothing needs counting."""
    return _compile(conversation, recall_count=0, archival_count=0, directories="")


def _compile(
    conversation: Conversation, *, recall_count: int, archival_count: int, directories: str
) -> str:
    agent = conversation.agent
    return compile_system_prompt(
        agent.system,
        [block_view(block) for block in conversation.blocks().values()],
        agent_id=agent.id,
        compiled_at=utcnow(),
        recall_count=recall_count,
        archival_count=archival_count,
        directories=directories,
    )


async def recompile_system_prompt(session: AsyncSession, conversation: Conversation) -> str:
    """Rewrite the conversation's system message in place (same id) from the current blocks;
    returns the new prompt."""
    window = conversation.window
    assert window.system_message_id is not None
    prompt = await compiled_system_prompt(session, conversation)
    rewrite = (
        update(MessageRow)
        .where(MessageRow.id == window.system_message_id)
        .values(content=text_content(prompt))
    )
    await session.execute(rewrite)  # a message this session holds is updated too
    if conversation.conversation_id is not None:
        window.prompt_stale = False
    return prompt


async def refresh_prompts(
    session: AsyncSession,
    agent_ids: Iterable[str],
    block_ids: Iterable[str] = (),
    loaded: Sequence[AgentRow] = (),
) -> None:
    """After a change to these agents' memory or to these blocks: recompile the agents'
    default conversations now, and mark every named conversation that shows them stale.
    `loaded`: agents this session holds with their blocks and tools (not read again)."""
    agent_ids = list(dict.fromkeys(agent_ids))
    held = {agent.id: agent for agent in loaded if agent.id in agent_ids}
    others = [agent_id for agent_id in agent_ids if agent_id not in held]
    for agent in [*held.values(), *(await agents_by_ids(session, others) if others else [])]:
        await recompile_system_prompt(session, Conversation(agent, agent))
    await conversation_queries.mark_prompts_stale(session, agent_ids, block_ids)
