"""Folders (Letta's sources) and their files: CRUD, uploads, and what a folder holds
(`client.folders`, `client.folders.files`, `client.folders.agents`).

An upload is stored with status "parsing" and returned at once; services/file_processing.py
parses, chunks and embeds it in the background.
"""

from dataclasses import dataclass
from pathlib import PurePosixPath

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.files import ensure_views
from lettalite.agent.memory import refresh_prompts
from lettalite.db import file_passages as passage_queries
from lettalite.db import folders as folder_queries
from lettalite.db.base import utcnow
from lettalite.db.folder_models import FilePassageRow, FileRow, FileUploadRow, FolderRow
from lettalite.db.pagination import Page
from lettalite.db.session import flush
from lettalite.documents.parse import UnsupportedType, document_kind
from lettalite.errors import Conflict, InvalidArgument, NotFound, UnsupportedMediaType
from lettalite.ids import new_id
from lettalite.llm.catalog import served_embedding
from lettalite.schemas.folder import (
    DEFAULT_CHUNK_SIZE,
    CreateFolder,
    DuplicateHandling,
    FileMetadata,
    FileStats,
    Folder,
    FoldersMetadata,
    FolderStats,
    UpdateFolder,
)
from lettalite.schemas.passage import Passage
from lettalite.services import agent_folders
from lettalite.services.views import embedding_config, file_model, folder_model

MAX_FILE_NAME = 255


async def create_folder(session: AsyncSession, request: CreateFolder) -> Folder:
    if await folder_queries.folder_named(session, request.name) is not None:
        raise Conflict(f"A folder named '{request.name}' already exists")
    config = request.embedding_config
    handle = request.embedding or (config.requested_handle() if config else None)
    folder = FolderRow(
        id=new_id("source"),
        name=request.name,
        description=request.description,
        instructions=request.instructions,
        embedding=(await served_embedding(handle)).handle if handle else None,
        embedding_chunk_size=request.embedding_chunk_size or DEFAULT_CHUNK_SIZE,
        metadata_=request.metadata,
    )
    session.add(folder)
    await flush(session)
    return folder_model(folder)


async def get_folder(session: AsyncSession, folder_id: str) -> Folder:
    return folder_model(await folder_queries.get_folder(session, folder_id))


async def folder_id_by_name(session: AsyncSession, name: str) -> str:
    folder = await folder_queries.folder_named(session, name)
    if folder is None:
        raise NotFound(f"Folder named '{name}' not found")
    return folder.id


async def list_folders(session: AsyncSession, page: Page, *, name: str | None) -> list[Folder]:
    return [folder_model(f) for f in await folder_queries.list_folders(session, page, name=name)]


async def count_folders(session: AsyncSession) -> int:
    return await folder_queries.count_folders(session)


async def update_folder(session: AsyncSession, folder_id: str, request: UpdateFolder) -> Folder:
    folder = await folder_queries.get_folder(session, folder_id)
    fields = request.model_fields_set
    if request.name is not None and request.name != folder.name:
        if await folder_queries.folder_named(session, request.name) is not None:
            raise Conflict(f"A folder named '{request.name}' already exists")
        folder.name = request.name
        for file in await folder_queries.files_of_folders(session, [folder.id]):
            file.file_name = f"{folder.name}/{file.original_file_name}"
    for field in ("description", "instructions"):
        if field in fields:
            setattr(folder, field, getattr(request, field))
    if "metadata" in fields:
        folder.metadata_ = request.metadata
    if request.embedding_config is not None:
        handle = request.embedding_config.requested_handle()
        folder.embedding = (await served_embedding(handle)).handle if handle else None
    await flush(session)
    await refresh_prompts(session, await folder_queries.folder_agent_ids(session, [folder.id]))
    return folder_model(folder)


async def delete_folder(session: AsyncSession, folder_id: str) -> None:
    folder = await folder_queries.get_folder(session, folder_id)
    agent_ids = await folder_queries.folder_agent_ids(session, [folder_id])
    await session.delete(folder)
    await flush(session)
    await agent_folders.after_folders_removed(session, agent_ids)


@dataclass(frozen=True)
class Upload:
    file_name: str | None
    content_type: str | None
    data: bytes


def _upload_name(upload: Upload, override: str | None) -> str:
    name = PurePosixPath((override or upload.file_name or "").replace("\\", "/")).name
    if not name.strip():
        raise InvalidArgument("The upload has no file name; pass one with `name`")
    if len(name) > MAX_FILE_NAME:
        raise InvalidArgument(f"The file name is {len(name)} characters; at most {MAX_FILE_NAME}")
    return name


async def _free_name(session: AsyncSession, folder_id: str, name: str) -> str:
    """`<base>_(<n>)<ext>` with the smallest n not taken in the folder."""
    path = PurePosixPath(name)
    taken = await folder_queries.names_like(session, folder_id, f"{path.stem}_(")
    number = 1
    while f"{path.stem}_({number}){path.suffix}" in taken:
        number += 1
    return f"{path.stem}_({number}){path.suffix}"


async def upload_file(
    session: AsyncSession,
    folder_id: str,
    upload: Upload,
    *,
    name: str | None,
    duplicate_handling: DuplicateHandling,
) -> tuple[FileMetadata, bool]:
    """Store an upload for processing; the file and whether it was skipped as a duplicate."""
    folder = await folder_queries.get_folder(session, folder_id)
    file_name = _upload_name(upload, name)
    try:
        kind = document_kind(file_name, upload.content_type)
    except UnsupportedType as error:
        raise UnsupportedMediaType(str(error)) from error
    existing = await folder_queries.file_named(session, folder.id, file_name)
    if existing is not None:
        if duplicate_handling == "error":
            raise InvalidArgument(
                f"INVALID_ARGUMENT: File '{file_name}' already exists in folder '{folder.name}'"
            )
        if duplicate_handling == "skip":
            return file_model(existing), True
        if duplicate_handling == "replace":
            await session.delete(existing)
            await flush(session)
        else:
            file_name = await _free_name(session, folder.id, file_name)
    now = utcnow().isoformat()
    file = FileRow(
        id=new_id("file"),
        folder_id=folder.id,
        file_name=f"{folder.name}/{file_name}",
        original_file_name=file_name,
        file_type=kind.mime,
        file_size=len(upload.data),
        file_creation_date=now,
        file_last_modified_date=now,
        processing_status="parsing",
    )
    session.add(file)
    await flush(session)
    session.add(FileUploadRow(file_id=file.id, data=upload.data))
    for agent_id in await folder_queries.folder_agent_ids(session, [folder.id]):
        await ensure_views(session, agent_id, [file])
    await flush(session)
    return file_model(file), False


async def list_files(
    session: AsyncSession, folder_id: str, page: Page, *, include_content: bool
) -> list[FileMetadata]:
    await folder_queries.get_folder(session, folder_id)
    files = await folder_queries.list_files(session, folder_id, page, content=include_content)
    return [file_model(file, content=include_content) for file in files]


async def get_file(
    session: AsyncSession, folder_id: str, file_id: str, *, include_content: bool
) -> FileMetadata:
    await folder_queries.get_folder(session, folder_id)
    file = await folder_queries.get_file(session, file_id, folder_id, content=include_content)
    return file_model(file, content=include_content)


async def delete_file(session: AsyncSession, folder_id: str, file_id: str) -> None:
    await folder_queries.get_folder(session, folder_id)
    file = await folder_queries.get_file(session, file_id, folder_id)
    agent_ids = [view.agent_id for view in await folder_queries.views_of_file(session, file_id)]
    await session.delete(file)
    await flush(session)
    await refresh_prompts(session, agent_ids)


async def list_passages(session: AsyncSession, folder_id: str, page: Page) -> list[Passage]:
    await folder_queries.get_folder(session, folder_id)
    passages = await passage_queries.list_folder_passages(session, folder_id, page)
    names = {
        file.id: file.file_name
        for file in await folder_queries.files_of_folders(session, [folder_id])
    }
    return [_passage_model(passage, names.get(passage.file_id)) for passage in passages]


def _passage_model(passage: FilePassageRow, file_name: str | None) -> Passage:
    return Passage(
        id=passage.id,
        text=passage.text,
        tags=[],
        metadata={"chunk_index": passage.chunk_index},
        embedding_config=embedding_config(passage.embedding_model),
        file_id=passage.file_id,
        file_name=file_name,
        source_id=passage.folder_id,
        created_at=passage.created_at,
        updated_at=passage.updated_at,
    )


async def list_agent_ids(session: AsyncSession, folder_id: str, page: Page) -> list[str]:
    await folder_queries.get_folder(session, folder_id)
    return await folder_queries.list_folder_agent_ids(session, folder_id, page)


async def folders_metadata(session: AsyncSession, *, detailed: bool) -> FoldersMetadata:
    folders = await folder_queries.list_folders(session, Page(limit=1_000_000, order="asc"))
    files = await folder_queries.files_of_folders(session, [folder.id for folder in folders])
    stats = {f.id: FolderStats(source_id=f.id, source_name=f.name, files=[]) for f in folders}
    for file in files:
        entry = stats[file.folder_id]
        entry.file_count += 1
        entry.total_size += file.file_size
        if detailed:
            entry.files.append(
                FileStats(file_id=file.id, file_name=file.file_name, file_size=file.file_size)
            )
    return FoldersMetadata(
        total_sources=len(folders),
        total_files=len(files),
        total_size=sum(file.file_size for file in files),
        sources=list(stats.values()),
    )
