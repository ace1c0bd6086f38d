"""Archival memory: storing passages and finding them again, for the REST API and the tools.

A passage is embedded with the agent's `embedding` model when it has one; search then ranks
by cosine distance to the embedded query, and fills up with full-text matches among passages
that have no comparable vector (stored before the agent had, or with another, embedding model).
Without an embedding model, search is full text throughout.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.compaction import estimate_text
from lettalite.agent.memory import refresh_prompts
from lettalite.db import passages as passage_queries
from lettalite.db.base import utcnow
from lettalite.db.models import AgentRow, PassageRow, PassageTagRow
from lettalite.db.passages import PassageFilter
from lettalite.db.session import flush
from lettalite.errors import InvalidArgument, LettaliteError, LLMProviderError
from lettalite.ids import new_id
from lettalite.llm.catalog import ModelHandle, resolve_embedding
from lettalite.llm.types import LLMClient, LLMError
from lettalite.tools import ArchivalHit, ArchiveQuery, ToolError

# Letta's limit for one archival insert; longer texts should be split by the caller.
MAX_PASSAGE_TOKENS = 8192
ModelClients = Callable[[ModelHandle], LLMClient]
# A provider answering these refused the text itself, not the request as a whole.
TEXT_REFUSED_STATUSES = (400, 413, 422)


class Embedder:
    """Embeds text with an embedding model, or hands out vectors computed in advance.

    A step embeds its archival tool arguments before its transaction opens, so that no
    database lock (SQLite's single writer) is held while the provider is called.
    """

    def __init__(self, clients: ModelClients) -> None:
        self._clients = clients
        self._ready: dict[tuple[str, str], list[float] | LettaliteError] = {}

    async def embed_in_advance(self, handle: str, texts: list[str]) -> None:
        """Embed `texts` in one provider call; a failure is kept and raised by `embed`."""
        if not texts:
            return
        try:
            vectors: Sequence[list[float] | LettaliteError] = await self._call(handle, texts)
        except LettaliteError as error:
            vectors = [error] * len(texts)
        self._ready.update({(handle, text): v for text, v in zip(texts, vectors, strict=True)})

    async def embed(self, handle: str, text: str) -> list[float]:
        ready = self._ready.get((handle, text))
        if isinstance(ready, LettaliteError):
            raise ready
        if ready is not None:
            return ready
        (vector,) = await self._call(handle, [text])
        return vector

    async def _call(self, handle: str, texts: list[str]) -> list[list[float]]:
        model = resolve_embedding(handle)
        try:
            return await self._clients(model).embed(model.model, texts)
        except LLMError as error:
            if error.status_code in TEXT_REFUSED_STATUSES:
                raise InvalidArgument(
                    f"The embedding model {handle} refused the text: {error.detail}"
                ) from error
            raise LLMProviderError(
                f"The embedding model {handle} failed: {error.detail}"
            ) from error


async def add_passage(
    session: AsyncSession,
    agent: AgentRow,
    embedder: Embedder,
    *,
    text: str,
    tags: list[str],
    created_at: datetime | None = None,
) -> PassageRow:
    """Store a passage and show the new count in the agent's system prompt."""
    tokens = estimate_text(text)
    if tokens > MAX_PASSAGE_TOKENS:
        raise InvalidArgument(
            f"The passage is about {tokens} tokens long, over the limit of {MAX_PASSAGE_TOKENS} "
            "for one archival memory; split it into several passages."
        )
    # Embedded before any write, so a failing embedding model leaves nothing half-stored.
    vector = await embedder.embed(agent.embedding, text) if agent.embedding else None
    unique_tags = list(dict.fromkeys(tags))
    passage = PassageRow(
        id=new_id("passage"),
        agent_id=agent.id,
        text=text,
        metadata_={},
        embedding_model=agent.embedding if vector is not None else None,
        embedding=vector,
        tags=unique_tags,
        tag_rows=[PassageTagRow(tag=tag) for tag in unique_tags],
        created_at=created_at or utcnow(),
    )
    session.add(passage)
    await flush(session)
    await refresh_prompts(session, [agent.id])
    return passage


async def find_passages(
    session: AsyncSession, agent: AgentRow, embedder: Embedder, query: ArchiveQuery
) -> list[PassageRow]:
    where = PassageFilter(
        tags=query.tags, match_all_tags=query.match_all_tags, start=query.start, end=query.end
    )
    if agent.embedding is None or not query.query.strip():
        return await passage_queries.matching_passages(
            session, agent.id, query=query.query, where=where, limit=query.top_k
        )
    vector = await embedder.embed(agent.embedding, query.query)
    nearest = await passage_queries.nearest_passages(
        session,
        agent.id,
        vector=vector,
        embedding_model=agent.embedding,
        where=where,
        limit=query.top_k,
    )
    if len(nearest) == query.top_k:
        return nearest
    by_words = await passage_queries.matching_passages(
        session,
        agent.id,
        query=query.query,
        where=where,
        limit=query.top_k - len(nearest),
        not_embedded_by=agent.embedding,
    )
    return nearest + by_words


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
    """The tools' view of one agent's archival memory, inside the step's transaction."""

    def __init__(self, session: AsyncSession, agent: AgentRow, embedder: Embedder) -> None:
        self._session = session
        self._agent = agent
        self._embedder = embedder

    async def insert(self, content: str, tags: list[str]) -> None | ToolError:
        try:
            # A savepoint: a refused insert must not spoil the rest of the step's transaction.
            async with self._session.begin_nested():
                await add_passage(
                    self._session, self._agent, self._embedder, text=content, tags=tags
                )
        except LettaliteError as error:
            return ToolError(error.detail)
        return None

    async def search(self, query: ArchiveQuery) -> list[ArchivalHit] | ToolError:
        try:
            passages = await find_passages(self._session, self._agent, self._embedder, query)
        except LettaliteError as error:
            return ToolError(error.detail)
        return [archival_hit(passage, self._agent.timezone) for passage in passages]
