"""Folder and file queries: folders, their files, agents' attachments and file views."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from lettalite.db.folder_models import AgentFolderRow, FileAgentRow, FileRow, FolderRow
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.errors import NotFound

FOLDER_SORT = SortKey(FolderRow.created_at, FolderRow.id)
FILE_SORT = SortKey(FileRow.created_at, FileRow.id)
FILE_AGENT_SORT = SortKey(FileAgentRow.created_at, FileAgentRow.id)
UNFINISHED = ("pending", "parsing", "embedding")


async def get_folder(session: AsyncSession, folder_id: str) -> FolderRow:
    folder = await session.get(FolderRow, folder_id)
    if folder is None:
        raise NotFound(f"Folder {folder_id} not found")
    return folder


async def folder_named(session: AsyncSession, name: str) -> FolderRow | None:
    return await session.scalar(select(FolderRow).where(FolderRow.name == name))


async def list_folders(
    session: AsyncSession, page: Page, *, name: str | None = None, agent_id: str | None = None
) -> list[FolderRow]:
    query = select(FolderRow)
    if name is not None:
        query = query.where(FolderRow.name == name)
    if agent_id is not None:
        query = query.where(FolderRow.id.in_(attached_folder_ids(agent_id)))
    return await paginate(session, query, FOLDER_SORT, page)


def attached_folder_ids(agent_id: str) -> Select[tuple[str]]:
    return select(AgentFolderRow.folder_id).where(AgentFolderRow.agent_id == agent_id)


def folder_count_query(agent_id: str) -> Select[tuple[int]]:
    return select(func.count()).where(AgentFolderRow.agent_id == agent_id)


async def agent_folders(session: AsyncSession, agent_id: str) -> list[FolderRow]:
    query = select(FolderRow).where(FolderRow.id.in_(attached_folder_ids(agent_id)))
    return list(await session.scalars(query.order_by(FolderRow.name)))


async def count_folders(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(FolderRow))).scalar_one()


async def get_file(
    session: AsyncSession, file_id: str, folder_id: str | None = None, *, content: bool = False
) -> FileRow:
    """The file (of `folder_id`, when given), with its text loaded when `content`."""
    options = [undefer(FileRow.content)] if content else []
    file = await session.get(FileRow, file_id, options=options)
    if file is None or (folder_id is not None and file.folder_id != folder_id):
        where = f" in folder {folder_id}" if folder_id else ""
        raise NotFound(f"File {file_id} not found{where}")
    return file


async def list_files(
    session: AsyncSession, folder_id: str, page: Page, *, content: bool = False
) -> list[FileRow]:
    query = select(FileRow).where(FileRow.folder_id == folder_id)
    if content:
        query = query.options(undefer(FileRow.content))
    return await paginate(session, query, FILE_SORT, page)


async def files_of_folders(
    session: AsyncSession, folder_ids: Sequence[str], *, content: bool = False
) -> list[FileRow]:
    query = select(FileRow).where(FileRow.folder_id.in_(folder_ids)).order_by(FileRow.file_name)
    if content:
        query = query.options(undefer(FileRow.content))
    return list(await session.scalars(query))


async def file_named(session: AsyncSession, folder_id: str, original_name: str) -> FileRow | None:
    query = select(FileRow).where(
        FileRow.folder_id == folder_id, FileRow.original_file_name == original_name
    )
    return await session.scalar(query)


async def names_like(session: AsyncSession, folder_id: str, prefix: str) -> set[str]:
    """The original names in the folder starting with `prefix` (for a free duplicate suffix)."""
    query = select(FileRow.original_file_name).where(
        FileRow.folder_id == folder_id,
        FileRow.original_file_name.startswith(prefix, autoescape=True),
    )
    return set(await session.scalars(query))


async def folder_agent_ids(session: AsyncSession, folder_ids: Sequence[str]) -> list[str]:
    query = select(AgentFolderRow.agent_id).where(AgentFolderRow.folder_id.in_(folder_ids))
    return list(dict.fromkeys(await session.scalars(query)))


async def list_folder_agent_ids(session: AsyncSession, folder_id: str, page: Page) -> list[str]:
    query = select(AgentFolderRow).where(AgentFolderRow.folder_id == folder_id)
    key = SortKey(AgentFolderRow.created_at, AgentFolderRow.agent_id)
    return [link.agent_id for link in await paginate(session, query, key, page)]


async def get_link(session: AsyncSession, agent_id: str, folder_id: str) -> AgentFolderRow | None:
    return await session.get(AgentFolderRow, (agent_id, folder_id))


async def file_views(
    session: AsyncSession, agent_id: str, *, is_open: bool | None = None
) -> list[FileAgentRow]:
    """The agent's views of its files, the least recently accessed first."""
    query = select(FileAgentRow).where(FileAgentRow.agent_id == agent_id)
    if is_open is not None:
        query = query.where(FileAgentRow.is_open == is_open)
    return list(
        await session.scalars(query.order_by(FileAgentRow.last_accessed_at, FileAgentRow.id))
    )


async def list_file_views(
    session: AsyncSession, agent_id: str, page: Page, *, is_open: bool | None
) -> list[tuple[FileAgentRow, FileRow, FolderRow]]:
    query = select(FileAgentRow).where(FileAgentRow.agent_id == agent_id)
    if is_open is not None:
        query = query.where(FileAgentRow.is_open == is_open)
    views = await paginate(session, query, FILE_AGENT_SORT, page)
    files = {f.id: f for f in await _by_ids(session, FileRow, [v.file_id for v in views])}
    folders = {f.id: f for f in await _by_ids(session, FolderRow, [v.folder_id for v in views])}
    return [(view, files[view.file_id], folders[view.folder_id]) for view in views]


async def _by_ids(session: AsyncSession, model: type, ids: Sequence[str]) -> list:
    return list(await session.scalars(select(model).where(model.id.in_(set(ids)))))


async def file_view(session: AsyncSession, agent_id: str, file_id: str) -> FileAgentRow | None:
    query = select(FileAgentRow).where(
        FileAgentRow.agent_id == agent_id, FileAgentRow.file_id == file_id
    )
    return await session.scalar(query)


async def views_of_file(session: AsyncSession, file_id: str) -> list[FileAgentRow]:
    return list(await session.scalars(select(FileAgentRow).where(FileAgentRow.file_id == file_id)))


async def next_unfinished_file(session: AsyncSession, now: datetime) -> str | None:
    """The oldest file still to be processed that no live process holds."""
    query = (
        select(FileRow.id)
        .where(FileRow.processing_status.in_(UNFINISHED), _unclaimed(now))
        .order_by(FileRow.created_at, FileRow.id)
        .limit(1)
    )
    return await session.scalar(query)


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    return or_(FileRow.claimed_until.is_(None), FileRow.claimed_until < now)


async def claim_file(session: AsyncSession, file_id: str, now: datetime, until: datetime) -> bool:
    """Take the file for processing until `until`, unless another process did first."""
    statement = (
        update(FileRow)
        .where(FileRow.id == file_id, _unclaimed(now))
        .values(claimed_until=until, attempts=FileRow.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(statement)).rowcount == 1


async def file_content(session: AsyncSession, file: FileRow) -> str | None:
    await session.refresh(file, ["content"])
    return file.content
