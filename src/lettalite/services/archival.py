"""Archival memory over REST: `client.agents.passages` in the SDKs."""

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.archive import (
    Embedder,
    ModelClients,
    add_passage,
    archival_hit,
    find_passages,
)
from lettalite.agent.memory import refresh_prompts
from lettalite.db import agents as agent_queries
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
    passage = await add_passage(
        session,
        agent,
        Embedder(clients),
        text=request.text,
        tags=request.tags or [],
        created_at=request.created_at,
    )
    return [passage_model(passage)]


async def list_passages(
    session: AsyncSession, agent_id: str, page: Page, search: str | None
) -> list[Passage]:
    await agent_queries.get_agent(session, agent_id)
    passages = await passage_queries.list_passages(session, agent_id, page, contains=search)
    return [passage_model(passage) for passage in passages]


async def search_passages(
    session: AsyncSession, agent_id: str, query: ArchiveQuery, clients: ModelClients
) -> PassageSearchResponse:
    agent = await agent_queries.get_agent(session, agent_id)
    passages = await find_passages(session, agent, Embedder(clients), query)
    results = [
        PassageSearchResult(**asdict(archival_hit(passage, agent.timezone))) for passage in passages
    ]
    return PassageSearchResponse(results=results, count=len(results))


async def delete_passage(session: AsyncSession, agent_id: str, passage_id: str) -> DeletedPassage:
    agent = await agent_queries.get_agent(session, agent_id)
    passage = await passage_queries.get_passage(session, agent_id, passage_id)
    await session.delete(passage)
    await session.flush()
    await refresh_prompts(session, [agent.id])
    return DeletedPassage(message=f"Memory id={passage_id} successfully deleted")
