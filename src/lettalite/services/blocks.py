"""Block operations: standalone blocks and an agent's core-memory blocks."""

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.memory import refresh_prompts
from lettalite.db import agents as agent_queries
from lettalite.db import blocks as block_queries
from lettalite.db import conversations as conversation_queries
from lettalite.db.models import BlockRow
from lettalite.db.pagination import Page
from lettalite.db.session import flush
from lettalite.errors import NotFound
from lettalite.schemas.agent import AgentState
from lettalite.schemas.block import Block, CreateBlock, UpdateBlock
from lettalite.services.agents import check_block_fits, new_block, render
from lettalite.services.views import block_model


async def create_block(session: AsyncSession, request: CreateBlock) -> Block:
    block = new_block(request)
    check_block_fits(block.value, block.limit, block.label)
    session.add(block)
    await session.flush()
    return block_model(block)


async def get_block(session: AsyncSession, block_id: str) -> Block:
    return block_model(await block_queries.get_block(session, block_id))


async def list_blocks(session: AsyncSession, *, page: Page, label: str | None) -> list[Block]:
    return [
        block_model(b) for b in await block_queries.list_blocks(session, page=page, label=label)
    ]


async def delete_block(session: AsyncSession, block_id: str) -> None:
    block = await block_queries.get_block(session, block_id)
    agent_ids = await block_queries.agent_ids_of_blocks(session, [block_id])
    # Before the delete: a conversation's own copy of the block goes with it.
    await conversation_queries.mark_prompts_stale(session, [], [block_id])
    await session.delete(block)
    await session.flush()
    await refresh_prompts(session, agent_ids)


async def update_block(session: AsyncSession, block_id: str, request: UpdateBlock) -> Block:
    block = await block_queries.get_block(session, block_id)
    await _apply_update(session, block, request)
    return block_model(block)


async def agent_block_by_label(session: AsyncSession, agent_id: str, label: str) -> BlockRow:
    agent = await agent_queries.get_agent(session, agent_id)
    for link in agent.block_links:
        if link.label == label:
            return link.block
    raise NotFound(f"No block with label '{label}' found for agent '{agent_id}'")


async def get_agent_block(session: AsyncSession, agent_id: str, label: str) -> Block:
    return block_model(await agent_block_by_label(session, agent_id, label))


async def update_agent_block(
    session: AsyncSession, agent_id: str, label: str, request: UpdateBlock
) -> Block:
    block = await agent_block_by_label(session, agent_id, label)
    await _apply_update(session, block, request)
    return block_model(block)


async def list_agent_blocks(session: AsyncSession, agent_id: str, page: Page) -> list[Block]:
    await agent_queries.get_agent(session, agent_id)
    blocks = await block_queries.list_agent_blocks(session, agent_id, page)
    return [block_model(block) for block in blocks]


async def list_block_agents(session: AsyncSession, block_id: str, page: Page) -> list[AgentState]:
    await block_queries.get_block(session, block_id)
    agents = await agent_queries.list_agents(session, page=page, block_id=block_id)
    return [await render(session, agent) for agent in agents]


async def _apply_update(session: AsyncSession, block: BlockRow, request: UpdateBlock) -> None:
    """Apply the fields the client sent, then recompile every agent that shows this block."""
    sent = request.model_dump(exclude_unset=True, exclude_none=True)
    value = sent.get("value", block.value)
    limit = sent.get("limit", block.limit)
    check_block_fits(value, limit, sent.get("label", block.label))
    for field, new in sent.items():
        setattr(block, "metadata_" if field == "metadata" else field, new)
    if "label" in sent:
        await block_queries.relabel_block(session, block.id, sent["label"])
    await flush(session)
    await refresh_prompts(
        session, await block_queries.agent_ids_of_blocks(session, [block.id]), [block.id]
    )
