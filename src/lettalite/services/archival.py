"""An agent's archival memory over REST (`client.agents.passages` in the SDKs): the passages
of the archives attached to it; inserts go to its default archive."""

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.archive import (
    NewPassage,
    add_passages,
    archival_hit,
    default_archive,
    find_passages,
)
from lettalite.agent.embedder import Embedder, ModelClients
from lettalite.agent.memory import refresh_prompts
from lettalite.db import agents as agent_queries
from lettalite.db import archives as archive_queries
from lettalite.db import passages as passage_queries
from lettalite.db.pagination import Page
from lettalite.schemas.passage import (
    CreatePassage,
    DeletedPassage,
    Passage,
    PassageSearchResponse,
    PassageSearchResult,
)
from lettalite.services.views import passage_model
from lettalite.tools import ArchiveQuery


async def create_passage(
    session: AsyncSession, agent_id: str, request: CreatePassage, clients: ModelClients
) -> list[Passage]:
    agent = await agent_queries.get_agent(session, agent_id)
    archive = await default_archive(session, agent)
    new = NewPassage(request.text, request.tags or [], created_at=request.created_at)
    passages = await add_passages(session, archive, Embedder(clients), [new])
    return [passage_model(passage) for passage in passages]


async def _archive_ids(session: AsyncSession, agent_id: str) -> list[str]:
    await agent_queries.get_agent_row(session, agent_id)
    return [archive.id for archive in await archive_queries.agent_archives(session, agent_id)]


async def list_passages(
    session: AsyncSession, agent_id: str, page: Page, search: str | None
) -> list[Passage]:
    archive_ids = await _archive_ids(session, agent_id)
    passages = await passage_queries.list_passages(session, archive_ids, page, contains=search)
    return [passage_model(passage) for passage in passages]


async def search_passages(
    session: AsyncSession, agent_id: str, query: ArchiveQuery, clients: ModelClients
) -> PassageSearchResponse:
    agent = await agent_queries.get_agent_row(session, agent_id)
    archives = await archive_queries.agent_archives(session, agent_id)
    hits = await find_passages(session, archives, Embedder(clients), query)
    results = [
        PassageSearchResult(**asdict(archival_hit(hit.passage, agent.timezone))) for hit in hits
    ]
    return PassageSearchResponse(results=results, count=len(results))


async def delete_passage(session: AsyncSession, agent_id: str, passage_id: str) -> DeletedPassage:
    archive_ids = await _archive_ids(session, agent_id)
    owner = f"agent {agent_id}"
    passage = await passage_queries.get_passage(session, passage_id, archive_ids, owner)
    await session.delete(passage)
    await session.flush()
    await refresh_prompts(session, await archive_queries.attached_agent_ids(session, archive_ids))
    return DeletedPassage(message=f"Memory id={passage_id} successfully deleted")
