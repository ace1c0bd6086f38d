"""Block queries."""

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.identities import linked_to
from lettalite.db.models import AgentBlockRow, BlockRow, IdentityBlockRow
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.session import get_or_404

BLOCK_SORT = SortKey(BlockRow.created_at, BlockRow.id)
# An agent's blocks are listed in the order they were attached.
AGENT_BLOCK_SORT = SortKey(AgentBlockRow.id, BlockRow.id)


async def get_block(session: AsyncSession, block_id: str) -> BlockRow:
    return await get_or_404(session, BlockRow, block_id, "Block")


async def list_blocks(
    session: AsyncSession,
    *,
    page: Page,
    label: str | None = None,
    identity_id: str | None = None,
    identifier_keys: Sequence[str] = (),
) -> list[BlockRow]:
    query = select(BlockRow)
    if label is not None:
        query = query.where(BlockRow.label == label)
    if identity_id is not None or identifier_keys:
        linked = linked_to(IdentityBlockRow.block_id, identity_id, identifier_keys)
        query = query.where(BlockRow.id.in_(linked))
    return await paginate(session, query, BLOCK_SORT, page)


async def list_agent_blocks(session: AsyncSession, agent_id: str, page: Page) -> list[BlockRow]:
    query = (
        select(BlockRow)
        .join(AgentBlockRow, AgentBlockRow.block_id == BlockRow.id)
        .where(AgentBlockRow.agent_id == agent_id)
    )
    return await paginate(session, query, AGENT_BLOCK_SORT, page)


async def agent_ids_of_blocks(session: AsyncSession, block_ids: Iterable[str]) -> list[str]:
    """The agents that show any of these blocks."""
    query = select(AgentBlockRow.agent_id).where(AgentBlockRow.block_id.in_(set(block_ids)))
    return list(dict.fromkeys(await session.scalars(query.order_by(AgentBlockRow.id))))


async def relabel_block(session: AsyncSession, block_id: str, label: str) -> None:
    """Carry a block's new label to its attachments (written at the next flush)."""
    links = await session.scalars(select(AgentBlockRow).where(AgentBlockRow.block_id == block_id))
    for link in links:
        link.label = label


async def all_block_tags(session: AsyncSession) -> set[str]:
    # A JSON list per block: gathered here, as no SQL works on it on both backends.
    lists = await session.scalars(select(BlockRow.tags).where(BlockRow.tags.is_not(None)))
    return {tag for tags in lists for tag in tags}
