"""Keyset pagination with item ids as cursors, as the Letta SDKs page.

`after=<id>` continues in the listing's own order (so iterating a page and asking for
`after=<last id>` walks the whole listing and ends with an empty page); `before=<id>` returns
the items just before that one, still in the listing's order. An unknown cursor gives `[]`.
"""

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

Order = Literal["asc", "desc"]


@dataclass(frozen=True)
class Page:
    after: str | None = None
    before: str | None = None
    limit: int = 50
    order: Order = "desc"


@dataclass(frozen=True)
class SortKey:
    """What orders a listing: a sort column (or expression) and the unique id column that
    breaks ties."""

    sort: ColumnElement[Any]
    id: ColumnElement[Any]


async def _cursor_position(
    session: AsyncSession, key: SortKey, cursor: str, scope: Select[Any]
) -> tuple[Any, Any] | None:
    # The cursor must belong to the same listing (scope), or it is treated as unknown.
    query = scope.with_only_columns(key.sort, key.id).where(key.id == cursor).limit(1)
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


def _beyond(key: SortKey, position: tuple[Any, Any], forward: bool) -> Any:
    sort_value, id_value = position
    if forward:
        return or_(key.sort > sort_value, and_(key.sort == sort_value, key.id > id_value))
    return or_(key.sort < sort_value, and_(key.sort == sort_value, key.id < id_value))


async def paginate(
    session: AsyncSession, query: Select[Any], key: SortKey, page: Page
) -> list[Any]:
    """Run `query` (one selected entity) for one page; the scope is the query's own filters."""
    ascending = page.order == "asc"
    for cursor, forward in ((page.after, ascending), (page.before, not ascending)):
        if cursor is None:
            continue
        position = await _cursor_position(session, key, cursor, query)
        if position is None:
            return []
        query = query.where(_beyond(key, position, forward))
    # `before` alone reads backwards from the cursor, then the page is put back in order.
    reverse_read = page.before is not None and page.after is None
    read_ascending = ascending != reverse_read
    columns = (key.sort, key.id)
    ordering = [c.asc() if read_ascending else c.desc() for c in columns]
    rows = list((await session.scalars(query.order_by(*ordering).limit(page.limit))).unique())
    return rows[::-1] if reverse_read else rows
