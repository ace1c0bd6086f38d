"""Block operations: standalone blocks and an agent's core-memory blocks."""

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.memory import refresh_prompts
from lettalite.db import agents as agent_queries
from lettalite.db import blocks as block_queries
from lettalite.db import conversations as conversation_queries
from lettalite.db.models import BlockRow
from lettalite.db.pagination import Page
from lettalite.db.session import flush
from lettalite.errors import ConcurrentEdit, Conflict, NotFound, PreconditionFailed
from lettalite.schemas.agent import AgentState
from lettalite.schemas.block import Block, CreateBlock, UpdateBlock
from lettalite.services.agents import check_block_fits, new_block, render
from lettalite.services.views import block_model

EDIT_ATTEMPTS = 5


async def create_block(session: AsyncSession, request: CreateBlock) -> Block:
    block = new_block(request)
    check_block_fits(block.value, block.limit, block.label)
    session.add(block)
    await session.flush()
    return block_model(block)


async def get_block(session: AsyncSession, block_id: str) -> Block:
    return block_model(await block_queries.get_block(session, block_id))


async def list_blocks(
    session: AsyncSession, *, page: Page, where: block_queries.BlockFilter
) -> list[Block]:
    blocks = await block_queries.list_blocks(session, page=page, where=where)
    return [block_model(block) for block in blocks]


async def delete_block(session: AsyncSession, block_id: str) -> None:
    block = await block_queries.get_block(session, block_id)
    agent_ids = await block_queries.agent_ids_of_blocks(session, [block_id])
    # Before the delete: a conversation's own copy of the block goes with it.
    await conversation_queries.mark_prompts_stale(session, [], [block_id])
    await session.delete(block)
    await session.flush()
    await refresh_prompts(session, agent_ids)


async def update_block(
    session: AsyncSession, block_id: str, request: UpdateBlock, if_match: str | None = None
) -> Block:
    block = await block_queries.get_block(session, block_id)
    await _apply_update(session, block, request, if_match)
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
    session: AsyncSession,
    agent_id: str,
    label: str,
    request: UpdateBlock,
    if_match: str | None = None,
) -> Block:
    block = await agent_block_by_label(session, agent_id, label)
    await _apply_update(session, block, request, if_match)
    return block_model(block)


async def list_agent_blocks(session: AsyncSession, agent_id: str, page: Page) -> list[Block]:
    await agent_queries.get_agent(session, agent_id)
    blocks = await block_queries.list_agent_blocks(session, agent_id, page)
    return [block_model(block) for block in blocks]


async def list_block_agents(session: AsyncSession, block_id: str, page: Page) -> list[AgentState]:
    await block_queries.get_block(session, block_id)
    agents = await agent_queries.list_agents(session, page=page, block_id=block_id)
    return [await render(session, agent) for agent in agents]


def etag(version: int) -> str:
    """A block's version as an entity tag: reads carry it, `If-Match` sends it back."""
    return f'"{version}"'


def _matches(if_match: str, version: int) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    return "*" in tags or etag(version) in tags


async def _apply_update(
    session: AsyncSession, block: BlockRow, request: UpdateBlock, if_match: str | None
) -> None:
    """Apply the fields the client sent, then recompile every prompt that shows the block.

    Without `If-Match` the last writer wins: a write that meets a concurrent one is simply
    applied again on the fresh row. With it, the block must still be at that version (412).
    """
    sent = request.model_dump(exclude_unset=True, exclude_none=True)
    # Writers of one block queue here (PostgreSQL row lock), so each reads the version it
    # writes over; SQLite has one writer at a time anyway, and a stale read is retried below.
    await session.refresh(block, with_for_update=True)
    for _ in range(EDIT_ATTEMPTS):
        if if_match is not None and not _matches(if_match, block.version):
            raise PreconditionFailed(
                f"Block {block.id} is at version {etag(block.version)}, not {if_match}: it "
                "changed since you read it; read it again"
            )
        check_block_fits(
            sent.get("value", block.value),
            sent.get("limit", block.limit),
            sent.get("label", block.label),
        )
        try:
            async with session.begin_nested():
                for field, new in sent.items():
                    setattr(block, "metadata_" if field == "metadata" else field, new)
                if "label" in sent:
                    await block_queries.relabel_block(session, block.id, sent["label"])
                await flush(session)
            break
        except ConcurrentEdit:
            await session.refresh(block)
    else:
        raise Conflict(f"Block {block.id} kept changing while it was written; retry")
    await refresh_prompts(
        session, await block_queries.agent_ids_of_blocks(session, [block.id]), [block.id]
    )
