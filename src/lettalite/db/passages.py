"""Archival passage queries: listing, and search by vector similarity or by full text.

Passages belong to archives; every query is scoped to a set of archives (an agent's attached
archives, one archive, or all of them).
"""

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.fulltext import query_words, ranked_match
from lettalite.db.models import AgentArchiveRow, PassageRow, PassageTagRow
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.vectors import RANKS_IN_PYTHON, cosine_distance, python_cosine_distance
from lettalite.errors import NotFound

PASSAGE_SORT = SortKey(PassageRow.created_at, PassageRow.id)
# Candidates fetched at a time when ranking vectors in Python (each holds a whole vector).
PYTHON_RANKING_BATCH = 256


@dataclass(frozen=True)
class PassageFilter:
    """Restrictions every search result meets."""

    tags: tuple[str, ...] = ()
    match_all_tags: bool = False
    start: datetime | None = None
    end: datetime | None = None

    def apply(self, statement: Select[Any]) -> Select[Any]:
        if self.tags:
            tagged = select(PassageTagRow.passage_id).where(PassageTagRow.tag.in_(self.tags))
            if self.match_all_tags:
                tagged = tagged.group_by(PassageTagRow.passage_id).having(
                    func.count(distinct(PassageTagRow.tag)) == len(set(self.tags))
                )
            statement = statement.where(PassageRow.id.in_(tagged))
        if self.start is not None:
            statement = statement.where(PassageRow.created_at >= self.start)
        if self.end is not None:
            statement = statement.where(PassageRow.created_at <= self.end)
        return statement


def in_archives(archive_ids: Sequence[str] | None) -> Select[tuple[PassageRow]]:
    """The passages of these archives; of every archive for None."""
    query = select(PassageRow)
    return query if archive_ids is None else query.where(PassageRow.archive_id.in_(archive_ids))


async def get_passage(
    session: AsyncSession, passage_id: str, archive_ids: Sequence[str], owner: str
) -> PassageRow:
    """The passage, if it belongs to one of `archive_ids`; `owner` names them for the error."""
    passage = await session.get(PassageRow, passage_id)
    if passage is None or passage.archive_id not in archive_ids:
        raise NotFound(f"Passage {passage_id} not found for {owner}")
    return passage


async def list_passages(
    session: AsyncSession, archive_ids: Sequence[str], page: Page, *, contains: str | None
) -> list[PassageRow]:
    query = in_archives(archive_ids)
    if contains:
        if session.bind.dialect.name == "sqlite":
            # SQLite's LIKE ignores case for ASCII only. (`icontains` would lower the search in
            # Python, for all of Unicode, but the text in SQL: "Émile" would miss "Émile".)
            query = query.where(PassageRow.text.contains(contains, autoescape=True))
        else:
            query = query.where(PassageRow.text.icontains(contains, autoescape=True))
    return await paginate(session, query, PASSAGE_SORT, page)


def passage_count_query(agent_id: str) -> Select[tuple[int]]:
    """How many passages the agent's attached archives hold."""
    attached = select(AgentArchiveRow.archive_id).where(AgentArchiveRow.agent_id == agent_id)
    return select(func.count()).where(PassageRow.archive_id.in_(attached))


async def count_passages(session: AsyncSession, agent_id: str) -> int:
    return (await session.execute(passage_count_query(agent_id))).scalar_one()


async def nearest_passages(
    session: AsyncSession,
    archive_ids: Sequence[str] | None,
    *,
    vector: list[float],
    embedding_model: str,
    where: PassageFilter,
    limit: int,
) -> list[tuple[PassageRow, float | None]]:
    """The passages embedded by `embedding_model` closest to `vector` with their cosine
    distances, nearest first (the newest first among equally near ones)."""
    statement = where.apply(
        in_archives(archive_ids).where(
            PassageRow.embedding_model == embedding_model, PassageRow.embedding.is_not(None)
        )
    )
    if session.info.get(RANKS_IN_PYTHON):
        return await nearest_ranked_in_python(session, PassageRow, statement, vector, limit)
    distance = cosine_distance(PassageRow.embedding, vector, session.bind.dialect.name)
    statement = (
        statement.add_columns(distance)
        .order_by(distance, PassageRow.created_at.desc())
        .limit(limit)
    )
    return [(row, distance) for row, distance in await session.execute(statement)]


async def nearest_ranked_in_python(
    session: AsyncSession, model: Any, candidates: Select[Any], vector: list[float], limit: int
) -> list[tuple[Any, float | None]]:
    """Nearest rows of `model` (a table with `id`, `embedding`, `created_at`) for a database
    that cannot compare vectors: streams the candidates' vectors and keeps the `limit`
    nearest, so memory holds one batch, not the table."""

    def rank(row: Row[Any]) -> tuple[bool, float, float, str]:
        distance = python_cosine_distance(row.embedding, vector)
        # Vectors without a direction last, as pgvector's NaN distances sort.
        return (distance is None, distance or 0.0, -row.created_at.timestamp(), row.id)

    columns = candidates.with_only_columns(model.id, model.embedding, model.created_at)
    result = await session.stream(columns.execution_options(yield_per=PYTHON_RANKING_BATCH))
    nearest: list[tuple[bool, float, float, str]] = []
    async for batch in result.partitions():
        nearest = heapq.nsmallest(limit, itertools.chain(nearest, map(rank, batch)))
    ids = [ranked[-1] for ranked in nearest]
    rows = await session.scalars(select(model).where(model.id.in_(ids)))
    by_id = {row.id: row for row in rows}
    return [(by_id[passage_id], None if nan else d) for nan, d, _, passage_id in nearest]


async def matching_passages(
    session: AsyncSession,
    archive_ids: Sequence[str] | None,
    *,
    query: str,
    where: PassageFilter,
    limit: int,
    excluding: Sequence[str] = (),
) -> list[PassageRow]:
    """Passages sharing a word with `query`, best full-text rank first; for a blank query, the
    newest passages. `excluding` leaves out passages already found (by vector)."""
    statement = where.apply(in_archives(archive_ids))
    if excluding:
        statement = statement.where(PassageRow.id.not_in(excluding))
    if query.strip():
        words = query_words(query)
        if not words:
            return []  # only punctuation or symbols: nothing a word index can match
        statement = ranked_match(statement, "archival_passage", words, session.bind.dialect.name)
    statement = statement.order_by(PassageRow.created_at.desc()).limit(limit)
    return list(await session.scalars(statement))
