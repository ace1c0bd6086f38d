"""Archives: collections of passages shared by the agents they are attached to
(`client.archives`, `client.archives.passages`, `client.agents.archives`, `client.passages`)."""

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.archive import NewPassage, add_passages, find_passages
from lettalite.agent.embedder import Embedder, ModelClients
from lettalite.agent.memory import refresh_prompts
from lettalite.db import agents as agent_queries
from lettalite.db import archives as archive_queries
from lettalite.db import passages as passage_queries
from lettalite.db.models import AgentArchiveRow, ArchiveRow
from lettalite.db.pagination import Page
from lettalite.db.session import flush
from lettalite.errors import InvalidArgument, NotFound
from lettalite.ids import new_id
from lettalite.llm.catalog import served_embedding
from lettalite.schemas.agent import AgentState
from lettalite.schemas.archive import (
    Archive,
    CreateArchive,
    CreateArchivePassage,
    ScoredPassage,
    SearchPassages,
    UpdateArchive,
)
from lettalite.schemas.passage import Passage
from lettalite.services.agents import render
from lettalite.services.views import embedding_config, passage_model
from lettalite.tools import ArchiveQuery


def archive_model(archive: ArchiveRow) -> Archive:
    return Archive(
        id=archive.id,
        name=archive.name,
        description=archive.description,
        metadata=archive.metadata_ or {},
        embedding_config=embedding_config(archive.embedding),
        created_at=archive.created_at,
        updated_at=archive.updated_at,
    )


async def create_archive(session: AsyncSession, request: CreateArchive) -> Archive:
    config = request.embedding_config
    handle = request.embedding or (config.requested_handle() if config else None)
    archive = ArchiveRow(
        id=new_id("archive"),
        name=request.name,
        description=request.description,
        embedding=(await served_embedding(handle)).handle if handle else None,
        metadata_={},
    )
    session.add(archive)
    await flush(session)
    return archive_model(archive)


async def list_archives(
    session: AsyncSession, page: Page, *, name: str | None, agent_id: str | None
) -> list[Archive]:
    archives = await archive_queries.list_archives(session, page, name=name, agent_id=agent_id)
    return [archive_model(archive) for archive in archives]


async def get_archive(session: AsyncSession, archive_id: str) -> Archive:
    return archive_model(await archive_queries.get_archive(session, archive_id))


async def update_archive(session: AsyncSession, archive_id: str, request: UpdateArchive) -> Archive:
    archive = await archive_queries.get_archive(session, archive_id)
    if request.name is not None:
        archive.name = request.name
    if "description" in request.model_fields_set:
        archive.description = request.description
    await flush(session)
    return archive_model(archive)


async def delete_archive(session: AsyncSession, archive_id: str) -> None:
    archive = await archive_queries.get_archive(session, archive_id)
    agent_ids = await archive_queries.attached_agent_ids(session, [archive_id])
    await session.delete(archive)
    await flush(session)
    await refresh_prompts(session, agent_ids)  # their archival counts shrink


async def list_archive_agents(
    session: AsyncSession, archive_id: str, page: Page
) -> list[AgentState]:
    await archive_queries.get_archive(session, archive_id)
    agents = await agent_queries.list_agents(session, page=page, archive_id=archive_id)
    return [await render(session, agent) for agent in agents]


async def create_passages(
    session: AsyncSession,
    archive_id: str,
    requests: list[CreateArchivePassage],
    clients: ModelClients,
) -> list[Passage]:
    archive = await archive_queries.get_archive(session, archive_id)
    new = [NewPassage(r.text, r.tags or [], r.metadata or {}, r.created_at) for r in requests]
    passages = await add_passages(session, archive, Embedder(clients), new)
    return [passage_model(passage) for passage in passages]


async def delete_passage(session: AsyncSession, archive_id: str, passage_id: str) -> None:
    await archive_queries.get_archive(session, archive_id)
    owner = f"archive {archive_id}"
    passage = await passage_queries.get_passage(session, passage_id, [archive_id], owner)
    await session.delete(passage)
    await flush(session)
    await refresh_prompts(session, await archive_queries.attached_agent_ids(session, [archive_id]))


async def attach(session: AsyncSession, agent_id: str, archive_id: str) -> None:
    await agent_queries.get_agent_row(session, agent_id)
    await archive_queries.get_archive(session, archive_id)
    if await archive_queries.get_link(session, agent_id, archive_id) is None:
        session.add(AgentArchiveRow(agent_id=agent_id, archive_id=archive_id))
        await flush(session)
        await refresh_prompts(session, [agent_id])


async def detach(session: AsyncSession, agent_id: str, archive_id: str) -> None:
    await agent_queries.get_agent_row(session, agent_id)
    link = await archive_queries.get_link(session, agent_id, archive_id)
    if link is None:
        raise NotFound(f"Archive {archive_id} is not attached to agent {agent_id}")
    await session.delete(link)
    await flush(session)
    await refresh_prompts(session, [agent_id])


async def search(
    session: AsyncSession, request: SearchPassages, clients: ModelClients
) -> list[ScoredPassage]:
    """Across the agent's archives (`agent_id` first, as Letta), one archive, or all."""
    if request.start_date and request.end_date and request.start_date > request.end_date:
        raise InvalidArgument("start_date is after end_date: the window would be empty")
    if request.agent_id is not None:
        await agent_queries.get_agent_row(session, request.agent_id)
        archives = await archive_queries.agent_archives(session, request.agent_id)
    elif request.archive_id is not None:
        archives = [await archive_queries.get_archive(session, request.archive_id)]
    else:
        archives = None
    query = ArchiveQuery(
        query=request.query or "",
        tags=tuple(request.tags or ()),
        match_all_tags=request.tag_match_mode == "all",
        top_k=request.limit,
        start=request.start_date,
        end=request.end_date,
    )
    hits = await find_passages(session, archives, Embedder(clients), query)
    return [ScoredPassage(passage=passage_model(hit.passage), score=hit.score) for hit in hits]
