"""Archival memory: storing passages in archives and finding them again, for the REST API
and the tools.

A passage is embedded with its archive's `embedding` model when the archive has one. Search
embeds the query once per embedding model among the archives searched, ranks by cosine
distance, and fills up with full-text matches among passages that have no comparable vector
(stored before the archive had, or with another, embedding model). Without an embedding
model, search is full text throughout.

An agent's archival memory is the archives attached to it. It stores into its default
archive: the one it owns (made for it on its first insert, named after it), else the first
attached.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.embedder import Embedder
from lettalite.agent.memory import refresh_prompts
from lettalite.agent.tokens import estimate_text
from lettalite.db import agents as agent_queries
from lettalite.db import archives as archive_queries
from lettalite.db import passages as passage_queries
from lettalite.db.base import utcnow
from lettalite.db.models import AgentArchiveRow, AgentRow, ArchiveRow, PassageRow, PassageTagRow
from lettalite.db.passages import PassageFilter
from lettalite.db.session import flush
from lettalite.errors import InvalidArgument, LettaliteError
from lettalite.ids import new_id
from lettalite.tools import ArchivalHit, ArchiveQuery, ToolError

# Letta's limit for one archival insert; longer texts should be split by the caller.
MAX_PASSAGE_TOKENS = 8192


@dataclass(frozen=True)
class NewPassage:
    text: str
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, object] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True)
class ScoredPassage:
    """A search hit. `score` is the cosine similarity for a vector match; for a word match
    (which has no comparable vector) 1 / (1 + its place among the word matches)."""

    passage: PassageRow
    score: float


def own_archive_name(agent_name: str) -> str:
    # Migration 0011 names the archives it makes the same way.
    return f"Archival memory of {agent_name}"[:255]


async def default_archive(session: AsyncSession, agent: AgentRow) -> ArchiveRow:
    """Where the agent's inserts go: the archive it owns, else the first attached, else a new
    archive of its own with its embedding model."""
    attached = await archive_queries.agent_archives(session, agent.id)
    if not attached:  # two first inserts at once must not make two archives
        await agent_queries.lock_agent(session, agent.id)
        attached = await archive_queries.agent_archives(session, agent.id)
    if attached:
        return attached[0]
    archive = ArchiveRow(
        id=new_id("archive"),
        name=own_archive_name(agent.name),
        embedding=agent.embedding,
        metadata_={},
    )
    session.add(archive)
    await flush(session)  # before its link: no relationship tells the flush their order
    session.add(AgentArchiveRow(agent_id=agent.id, archive_id=archive.id, is_owner=True))
    await flush(session)
    return archive


def _checked_length(text: str) -> None:
    tokens = estimate_text(text)
    if tokens > MAX_PASSAGE_TOKENS:
        raise InvalidArgument(
            f"The passage is about {tokens} tokens long, over the limit of {MAX_PASSAGE_TOKENS} "
            "for one archival memory; split it into several passages."
        )


async def add_passages(
    session: AsyncSession, archive: ArchiveRow, embedder: Embedder, new: Sequence[NewPassage]
) -> list[PassageRow]:
    """Store passages in an archive and show the new count in its agents' system prompts."""
    for passage in new:
        _checked_length(passage.text)
    # Embedded before any write, so a failing embedding model leaves nothing half-stored.
    handle = archive.embedding
    if handle is not None:
        await embedder.embed_in_advance(handle, [p.text for p in new if p.text])
    rows = []
    for passage in new:
        vector = await embedder.embed(handle, passage.text) if handle else None
        unique_tags = list(dict.fromkeys(passage.tags))
        rows.append(
            PassageRow(
                id=new_id("passage"),
                archive_id=archive.id,
                text=passage.text,
                metadata_=passage.metadata,
                embedding_model=handle if vector is not None else None,
                embedding=vector,
                tags=unique_tags,
                tag_rows=[PassageTagRow(tag=tag) for tag in unique_tags],
                created_at=passage.created_at or utcnow(),
            )
        )
    session.add_all(rows)
    await flush(session)
    await refresh_prompts(session, await archive_queries.attached_agent_ids(session, [archive.id]))
    return rows


async def find_passages(
    session: AsyncSession,
    archives: Sequence[ArchiveRow] | None,
    embedder: Embedder,
    query: ArchiveQuery,
) -> list[ScoredPassage]:
    """The passages of `archives` (of every archive for None) best matching `query`."""
    where = PassageFilter(
        tags=query.tags, match_all_tags=query.match_all_tags, start=query.start, end=query.end
    )
    archive_ids = None if archives is None else [archive.id for archive in archives]
    if archives is None:
        archives = await archive_queries.all_archives(session)
    nearest: list[tuple[PassageRow, float | None]] = []
    if query.query.strip():
        for handle in dict.fromkeys(a.embedding for a in archives if a.embedding is not None):
            vector = await embedder.embed(handle, query.query)
            scope = [archive.id for archive in archives if archive.embedding == handle]
            nearest += await passage_queries.nearest_passages(
                session,
                scope,
                vector=vector,
                embedding_model=handle,
                where=where,
                limit=query.top_k,
            )
    # Across embedding models, cosine distances are compared as they are.
    nearest.sort(key=lambda hit: (hit[1] is None, hit[1] or 0.0))
    hits = [ScoredPassage(row, 0.0 if d is None else 1.0 - d) for row, d in nearest]
    if len(hits) >= query.top_k:
        return hits[: query.top_k]
    by_words = await passage_queries.matching_passages(
        session,
        archive_ids,
        query=query.query,
        where=where,
        limit=query.top_k - len(hits),
        excluding=[hit.passage.id for hit in hits],
    )
    return hits + [ScoredPassage(row, 1.0 / (1 + place)) for place, row in enumerate(by_words)]


def _local_time(moment: datetime, timezone: str) -> str:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return moment.astimezone(zone).isoformat()


def archival_hit(passage: PassageRow, timezone: str) -> ArchivalHit:
    return ArchivalHit(
        id=passage.id,
        content=passage.text,
        tags=passage.tags,
        timestamp=_local_time(passage.created_at, timezone),
    )


class AgentArchive:
    """The tools' view of one agent's archival memory (its attached archives), inside the
    step's transaction."""

    def __init__(self, session: AsyncSession, agent: AgentRow, embedder: Embedder) -> None:
        self._session = session
        self._agent = agent
        self._embedder = embedder

    async def insert(self, content: str, tags: list[str]) -> None | ToolError:
        try:
            # A savepoint: a refused insert must not spoil the rest of the step's transaction.
            async with self._session.begin_nested():
                archive = await default_archive(self._session, self._agent)
                await add_passages(
                    self._session, archive, self._embedder, [NewPassage(content, tags)]
                )
        except LettaliteError as error:
            return ToolError(error.detail)
        return None

    async def search(self, query: ArchiveQuery) -> list[ArchivalHit] | ToolError:
        try:
            archives = await archive_queries.agent_archives(self._session, self._agent.id)
            hits = await find_passages(self._session, archives, self._embedder, query)
        except LettaliteError as error:
            return ToolError(error.detail)
        return [archival_hit(hit.passage, self._agent.timezone) for hit in hits]
