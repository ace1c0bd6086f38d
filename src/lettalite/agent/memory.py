"""Keeping each agent's stored system message in step with its memory blocks."""

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.prompt import compile_system_prompt
from lettalite.db.agents import agents_by_ids
from lettalite.db.base import utcnow
from lettalite.db.messages import count_recall, get_message
from lettalite.db.models import AgentRow, BlockRow, MessageRow
from lettalite.db.passages import count_passages
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


async def compiled_system_prompt(session: AsyncSession, agent: AgentRow) -> str:
    return compile_system_prompt(
        agent.system,
        [block_view(link.block) for link in agent.block_links],
        agent_id=agent.id,
        compiled_at=utcnow(),
        recall_count=await count_recall(session, agent),
        archival_count=await count_passages(session, agent.id),
    )


async def recompile_system_prompt(session: AsyncSession, agent: AgentRow) -> MessageRow:
    """Rewrite the agent's system message in place (same id) from its current blocks."""
    assert agent.system_message_id is not None
    system_message = await get_message(session, agent.system_message_id)
    system_message.content = text_content(await compiled_system_prompt(session, agent))
    return system_message


async def recompile_system_prompts(session: AsyncSession, agent_ids: Iterable[str]) -> None:
    for agent in await agents_by_ids(session, list(dict.fromkeys(agent_ids))):
        await recompile_system_prompt(session, agent)
