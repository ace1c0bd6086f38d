"""Archival passage queries: listing, and search by vector similarity or by full text."""

import heapq
import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.fulltext import query_words, ranked_match
from lettalite.db.models import PassageRow, PassageTagRow
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


async def get_passage(session: AsyncSession, agent_id: str, passage_id: str) -> PassageRow:
    passage = await session.get(PassageRow, passage_id)
    if passage is None or passage.agent_id != agent_id:
        raise NotFound(f"Passage {passage_id} not found for agent {agent_id}")
    return passage


async def list_passages(
    session: AsyncSession, agent_id: str, page: Page, *, contains: str | None
) -> list[PassageRow]:
    query = select(PassageRow).where(PassageRow.agent_id == agent_id)
    if contains:
        if session.bind.dialect.name == "sqlite":
            # SQLite's LIKE ignores case for ASCII only. (`icontains` would lower the search in
            # Python, for all of Unicode, but the text in SQL: "Émile" would miss "Émile".)
            query = query.where(PassageRow.text.contains(contains, autoescape=True))
        else:
            query = query.where(PassageRow.text.icontains(contains, autoescape=True))
    return await paginate(session, query, PASSAGE_SORT, page)


async def count_passages(session: AsyncSession, agent_id: str) -> int:
    query = select(func.count()).where(PassageRow.agent_id == agent_id)
    return (await session.execute(query)).scalar_one()


async def nearest_passages(
    session: AsyncSession,
    agent_id: str,
    *,
    vector: list[float],
    embedding_model: str,
    where: PassageFilter,
    limit: int,
) -> list[PassageRow]:
    """The passages embedded by `embedding_model` closest to `vector`, nearest first (the
    newest first among equally near ones)."""
    statement = where.apply(
        select(PassageRow).where(
            PassageRow.agent_id == agent_id,
            PassageRow.embedding_model == embedding_model,
            PassageRow.embedding.is_not(None),
        )
    )
    if session.info.get(RANKS_IN_PYTHON):
        return await _nearest_ranked_in_python(session, statement, vector, limit)
    distance = cosine_distance(PassageRow.embedding, vector, session.bind.dialect.name)
    statement = statement.order_by(distance, PassageRow.created_at.desc()).limit(limit)
    return list(await session.scalars(statement))


async def _nearest_ranked_in_python(
    session: AsyncSession, candidates: Select[Any], vector: list[float], limit: int
) -> list[PassageRow]:
    """`nearest_passages` for a database that cannot compare vectors: streams the candidates'
    vectors and keeps the `limit` nearest, so memory holds one batch, not the archive."""

    def rank(row: Row[Any]) -> tuple[bool, float, float, str]:
        distance = python_cosine_distance(row.embedding, vector)
        # Vectors without a direction last, as pgvector's NaN distances sort.
        return (distance is None, distance or 0.0, -row.created_at.timestamp(), row.id)

    columns = candidates.with_only_columns(
        PassageRow.id, PassageRow.embedding, PassageRow.created_at
    )
    result = await session.stream(columns.execution_options(yield_per=PYTHON_RANKING_BATCH))
    nearest: list[tuple[bool, float, float, str]] = []
    async for batch in result.partitions():
        nearest = heapq.nsmallest(limit, itertools.chain(nearest, map(rank, batch)))
    ids = [ranked[-1] for ranked in nearest]
    rows = await session.scalars(select(PassageRow).where(PassageRow.id.in_(ids)))
    by_id = {row.id: row for row in rows}
    return [by_id[passage_id] for passage_id in ids]


async def matching_passages(
    session: AsyncSession,
    agent_id: str,
    *,
    query: str,
    where: PassageFilter,
    limit: int,
    not_embedded_by: str | None = None,
) -> list[PassageRow]:
    """Passages sharing a word with `query`, best full-text rank first; for a blank query, the
    newest passages.

    `not_embedded_by` leaves out the passages a vector search by that model already ranks.
    """
    statement = where.apply(select(PassageRow).where(PassageRow.agent_id == agent_id))
    if not_embedded_by is not None:
        statement = statement.where(
            PassageRow.embedding_model.is_distinct_from(not_embedded_by)
            | PassageRow.embedding.is_(None)
        )
    if query.strip():
        words = query_words(query)
        if not words:
            return []  # only punctuation or symbols: nothing a word index can match
        statement = ranked_match(statement, "archival_passage", words, session.bind.dialect.name)
    statement = statement.order_by(PassageRow.created_at.desc()).limit(limit)
    return list(await session.scalars(statement))
