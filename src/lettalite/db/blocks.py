"""Block queries."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.identities import linked_to
from lettalite.db.models import AgentBlockRow, BlockRow, IdentityBlockRow
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.session import get_or_404, ids_with_tags

BLOCK_SORT = SortKey(BlockRow.created_at, BlockRow.id)
# An agent's blocks are listed in the order they were attached.
AGENT_BLOCK_SORT = SortKey(AgentBlockRow.id, BlockRow.id)


async def get_block(session: AsyncSession, block_id: str) -> BlockRow:
    return await get_or_404(session, BlockRow, block_id, "Block")


@dataclass(frozen=True)
class BlockFilter:
    """Which blocks `GET /v1/blocks/` lists; empty fields filter nothing. `*_search` are
    case-insensitive substrings; `tags` any of them (all of them with `match_all_tags`)."""

    label: str | None = None
    label_search: str | None = None
    value_search: str | None = None
    description_search: str | None = None
    identity_id: str | None = None
    identifier_keys: Sequence[str] = ()
    tags: Sequence[str] = ()
    match_all_tags: bool = False
    # How many agents the block is attached to: equal to, more than, fewer than.
    agent_count: tuple[int | None, int | None, int | None] = (None, None, None)

    def apply(self, query: Select[Any]) -> Select[Any]:
        conditions = [] if self.label is None else [BlockRow.label == self.label]
        for column, text in (
            (BlockRow.label, self.label_search),
            (BlockRow.value, self.value_search),
            (BlockRow.description, self.description_search),
        ):
            if text:
                conditions.append(func.lower(column).contains(text.lower(), autoescape=True))
        if self.identity_id is not None or self.identifier_keys:
            linked = linked_to(IdentityBlockRow.block_id, self.identity_id, self.identifier_keys)
            conditions.append(BlockRow.id.in_(linked))
        agents = (
            select(func.count())
            .where(AgentBlockRow.block_id == BlockRow.id)
            .correlate(BlockRow)
            .scalar_subquery()
        )
        equal, more, fewer = self.agent_count
        conditions += [] if equal is None else [agents == equal]
        conditions += [] if more is None else [agents > more]
        conditions += [] if fewer is None else [agents < fewer]
        return query.where(*conditions)

    def has_tags(self, tags: Sequence[str]) -> bool:
        wanted = set(self.tags)
        return wanted <= set(tags) if self.match_all_tags else bool(wanted.intersection(tags))


async def list_blocks(session: AsyncSession, *, page: Page, where: BlockFilter) -> list[BlockRow]:
    query = where.apply(select(BlockRow))
    if where.tags:
        tagged = await ids_with_tags(session, BlockRow.id, BlockRow.tags, where.has_tags)
        query = query.where(BlockRow.id.in_(tagged))
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
