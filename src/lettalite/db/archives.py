"""Archive queries: archives, and which agents they are attached to."""

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.models import AgentArchiveRow, ArchiveRow
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.errors import NotFound

ARCHIVE_SORT = SortKey(ArchiveRow.created_at, ArchiveRow.id)


async def get_archive(session: AsyncSession, archive_id: str) -> ArchiveRow:
    archive = await session.get(ArchiveRow, archive_id)
    if archive is None:
        raise NotFound(f"Archive {archive_id} not found")
    return archive


async def list_archives(
    session: AsyncSession, page: Page, *, name: str | None, agent_id: str | None
) -> list[ArchiveRow]:
    query = select(ArchiveRow)
    if name is not None:
        query = query.where(ArchiveRow.name == name)
    if agent_id is not None:
        attached = select(AgentArchiveRow.archive_id).where(AgentArchiveRow.agent_id == agent_id)
        query = query.where(ArchiveRow.id.in_(attached))
    return await paginate(session, query, ARCHIVE_SORT, page)


async def all_archives(session: AsyncSession) -> list[ArchiveRow]:
    return list(await session.scalars(select(ArchiveRow)))


async def agent_archives(session: AsyncSession, agent_id: str) -> list[ArchiveRow]:
    """The archives attached to the agent: the one it owns first, then in attachment order."""
    query = (
        select(ArchiveRow)
        .join(AgentArchiveRow, AgentArchiveRow.archive_id == ArchiveRow.id)
        .where(AgentArchiveRow.agent_id == agent_id)
        .order_by(
            AgentArchiveRow.is_owner.desc(), AgentArchiveRow.created_at, AgentArchiveRow.archive_id
        )
    )
    return list(await session.scalars(query))


async def owned_archives(session: AsyncSession, agent_id: str) -> list[ArchiveRow]:
    query = (
        select(ArchiveRow)
        .join(AgentArchiveRow, AgentArchiveRow.archive_id == ArchiveRow.id)
        .where(AgentArchiveRow.agent_id == agent_id, AgentArchiveRow.is_owner)
    )
    return list(await session.scalars(query))


async def get_link(session: AsyncSession, agent_id: str, archive_id: str) -> AgentArchiveRow | None:
    return await session.get(AgentArchiveRow, (agent_id, archive_id))


async def attached_agent_ids(session: AsyncSession, archive_ids: list[str]) -> list[str]:
    query = select(AgentArchiveRow.agent_id).where(AgentArchiveRow.archive_id.in_(archive_ids))
    return list(dict.fromkeys(await session.scalars(query)))


async def delete_owned_unshared(session: AsyncSession, agent_id: str) -> None:
    """Delete the archives the agent owns that no other agent is attached to (with their
    passages): an agent's archival memory goes with it, a shared archive stays."""
    shared = exists().where(
        AgentArchiveRow.archive_id == ArchiveRow.id, AgentArchiveRow.agent_id != agent_id
    )
    owned = select(AgentArchiveRow.archive_id).where(
        AgentArchiveRow.agent_id == agent_id, AgentArchiveRow.is_owner
    )
    await session.execute(
        delete(ArchiveRow)
        .where(ArchiveRow.id.in_(owned), ~shared)
        .execution_options(synchronize_session=False)
    )
