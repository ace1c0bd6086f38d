"""Identity queries."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from lettalite.db.models import BlockRow, IdentityBlockRow, IdentityRow
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.session import get_or_404

IDENTITY_SORT = SortKey(IdentityRow.created_at, IdentityRow.id)
BLOCK_SORT = SortKey(BlockRow.created_at, BlockRow.id)


async def get_identity(session: AsyncSession, identity_id: str) -> IdentityRow:
    return await get_or_404(session, IdentityRow, identity_id, "Identity")


async def identity_by_key(
    session: AsyncSession, identifier_key: str, project_id: str | None
) -> IdentityRow | None:
    project = IdentityRow.project_id
    query = select(IdentityRow).where(
        IdentityRow.identifier_key == identifier_key,
        project.is_(None) if project_id is None else project == project_id,
    )
    return (await session.scalars(query)).first()


async def identities_by_id(session: AsyncSession, ids: Sequence[str]) -> dict[str, IdentityRow]:
    if not ids:
        return {}  # no `IN ()` statement
    rows = await session.scalars(select(IdentityRow).where(IdentityRow.id.in_(set(ids))))
    return {row.id: row for row in rows}


@dataclass(frozen=True)
class IdentityFilter:
    """Which identities a listing or count holds; empty fields filter nothing."""

    name: str | None = None  # a case-insensitive substring of the name
    project_id: str | None = None
    identifier_key: str | None = None
    identity_type: str | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        conditions = []
        if self.name:
            name = func.lower(IdentityRow.name)
            conditions.append(name.contains(self.name.lower(), autoescape=True))
        if self.project_id is not None:
            conditions.append(IdentityRow.project_id == self.project_id)
        if self.identifier_key is not None:
            conditions.append(IdentityRow.identifier_key == self.identifier_key)
        if self.identity_type is not None:
            conditions.append(IdentityRow.identity_type == self.identity_type)
        return query.where(*conditions)


async def list_identities(
    session: AsyncSession, page: Page, where: IdentityFilter
) -> list[IdentityRow]:
    return await paginate(session, where.apply(select(IdentityRow)), IDENTITY_SORT, page)


async def count_identities(session: AsyncSession, where: IdentityFilter) -> int:
    query = where.apply(select(func.count()).select_from(IdentityRow))
    return await session.scalar(query) or 0


def linked_to(
    column: InstrumentedAttribute[str], identity_id: str | None, identifier_keys: Sequence[str]
) -> Select[Any]:
    """`column` (`IdentityAgentRow.agent_id` or `IdentityBlockRow.block_id`) of the links to
    this identity or to an identity with one of these keys (both given: to either)."""
    wanted = []
    if identity_id is not None:
        wanted.append(IdentityRow.id == identity_id)
    if identifier_keys:
        wanted.append(IdentityRow.identifier_key.in_(identifier_keys))
    link_identity = column.class_.identity_id
    return select(column).join(IdentityRow, IdentityRow.id == link_identity).where(or_(*wanted))


async def list_identity_blocks(
    session: AsyncSession, identity_id: str, page: Page
) -> list[BlockRow]:
    linked = select(IdentityBlockRow.block_id).where(IdentityBlockRow.identity_id == identity_id)
    return await paginate(
        session, select(BlockRow).where(BlockRow.id.in_(linked)), BLOCK_SORT, page
    )
