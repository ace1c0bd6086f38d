"""Folders in Agent Files: exported as `sources`, `files` (with their text) and each agent's
`files_agents`; imported as new folders (a name already taken gets `_<8 hex>`) whose files
are chunked and embedded again in the background, attached to the imported agents with the
same files open."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.files import OpenTarget, ensure_views, open_files_for
from lettalite.db import folders as folder_queries
from lettalite.db.base import utcnow
from lettalite.db.folder_models import AgentFolderRow, FileRow, FolderRow
from lettalite.db.models import AgentRow, AgentToolRow
from lettalite.db.session import flush
from lettalite.errors import InvalidArgument, LettaliteError
from lettalite.ids import new_id
from lettalite.llm.catalog import served_embedding
from lettalite.schemas.agent import EmbeddingConfigInput
from lettalite.schemas.agent_file import AgentEntry, AgentFile, SourceEntry
from lettalite.schemas.folder import DEFAULT_CHUNK_SIZE
from lettalite.services.agent_files.ids import IdMap, timestamp
from lettalite.services.views import embedding_config

NO_CONTENT = "The Agent File held no text for this file; upload it again."


async def export_folders(
    session: AsyncSession, agent: AgentRow, ids: IdMap
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """The agent's folders, their files with text, its file views, and its source ids."""
    folders = await folder_queries.agent_folders(session, agent.id)
    files = await folder_queries.files_of_folders(session, [f.id for f in folders], content=True)
    sources = [_source_entry(folder, ids) for folder in folders]
    file_entries = [_file_entry(file, ids) for file in files]
    views = [
        {
            "id": ids("file_agent", view.id),
            "agent_id": ids("agent", agent.id),
            "file_id": ids("file", view.file_id),
            "source_id": ids("source", view.folder_id),
            "file_name": next(f.file_name for f in files if f.id == view.file_id),
            "is_open": view.is_open,
            "visible_content": view.visible_content,
            "last_accessed_at": timestamp(view.last_accessed_at),
            "start_line": view.start_line,
            "end_line": view.end_line,
        }
        for view in await folder_queries.file_views(session, agent.id)
    ]
    return sources, file_entries, views, [ids("source", folder.id) for folder in folders]


def _source_entry(folder: FolderRow, ids: IdMap) -> dict[str, Any]:
    config = embedding_config(folder.embedding)
    return {
        "id": ids("source", folder.id),
        "name": folder.name,
        "description": folder.description,
        "instructions": folder.instructions,
        "metadata": folder.metadata_,
        "embedding_config": (
            config.model_copy(
                update={"embedding_chunk_size": folder.embedding_chunk_size}
            ).model_dump(mode="json")
            if config
            else None
        ),
    }


def _file_entry(file: FileRow, ids: IdMap) -> dict[str, Any]:
    return {
        "id": ids("file", file.id),
        "source_id": ids("source", file.folder_id),
        "file_name": file.file_name,
        "original_file_name": file.original_file_name,
        "file_path": file.file_path,
        "file_type": file.file_type,
        "file_size": file.file_size,
        "file_creation_date": file.file_creation_date,
        "file_last_modified_date": file.file_last_modified_date,
        "processing_status": file.processing_status,
        "error_message": file.error_message,
        "total_chunks": file.total_chunks,
        "chunks_embedded": file.chunks_embedded,
        "content": file.content,
    }


async def _embedding(source: SourceEntry, override: str | None) -> tuple[str | None, int]:
    config = source.embedding_config or {}
    chunk_size = config.get("embedding_chunk_size")
    chunk_size = chunk_size if isinstance(chunk_size, int) and chunk_size > 0 else None
    handle = override
    if handle is None and config:
        try:
            handle = EmbeddingConfigInput.model_validate(
                {k: config.get(k) for k in ("handle", "embedding_model", "embedding_endpoint_type")}
            ).requested_handle()
        except ValueError as error:
            raise InvalidArgument(f"source {source.id} has an invalid embedding_config") from error
    if handle is not None:
        try:
            handle = (await served_embedding(handle)).handle
        except LettaliteError as error:
            raise InvalidArgument(
                f"Import failed: source {source.id} ({source.name}) uses the embedding model "
                f"{handle}, which this server cannot serve ({error.detail}). Import it with "
                "`embedding` set to a handle this server serves."
            ) from error
    return handle, chunk_size or DEFAULT_CHUNK_SIZE


async def import_folders(
    session: AsyncSession, document: AgentFile, embedding: str | None
) -> tuple[dict[str, FolderRow], dict[str, FileRow]]:
    """New folders and files for the document's; by the document's ids."""
    folders: dict[str, FolderRow] = {}
    for source in document.sources:
        name = source.name
        if await folder_queries.folder_named(session, name) is not None:
            name = f"{name[:246]}_{uuid.uuid4().hex[:8]}"
        handle, chunk_size = await _embedding(source, embedding)
        folders[source.id] = FolderRow(
            id=new_id("source"),
            name=name,
            description=source.description,
            instructions=source.instructions,
            embedding=handle,
            embedding_chunk_size=chunk_size,
            metadata_=source.metadata,
        )
        session.add(folders[source.id])
    await flush(session)
    files: dict[str, FileRow] = {}
    for entry in document.files:
        folder = folders[entry.source_id]
        original = entry.original_file_name or (entry.file_name or entry.id).rsplit("/", 1)[-1]
        content = entry.content.replace("\x00", "") if entry.content is not None else None
        files[entry.id] = FileRow(
            id=new_id("file"),
            folder_id=folder.id,
            file_name=f"{folder.name}/{original}",
            original_file_name=original,
            file_type=entry.file_type or "text/plain",
            file_size=entry.file_size or len((content or "").encode()),
            file_creation_date=entry.file_creation_date or utcnow().isoformat(),
            file_last_modified_date=entry.file_last_modified_date,
            processing_status="parsing" if content is not None else "error",
            error_message=None if content is not None else NO_CONTENT,
            content=content,
        )
        session.add(files[entry.id])
    await flush(session)
    return folders, files


async def attach_imported(
    session: AsyncSession,
    agent: AgentRow,
    entry: AgentEntry,
    folders: dict[str, FolderRow],
    files: dict[str, FileRow],
    file_tools: list,
) -> None:
    """Attach the agent's folders, give it the file tools, and open the files it had open."""
    attached = list(dict.fromkeys([*(entry.source_ids or ()), *(entry.folder_ids or ())]))
    if not attached:
        return
    for source_id in attached:
        session.add(AgentFolderRow(agent_id=agent.id, folder_id=folders[source_id].id))
    have = {link.tool_id for link in agent.tool_links}
    for tool in file_tools:
        if tool.id not in have:
            agent.tool_links.append(AgentToolRow(tool_id=tool.id, tool=tool))
    await flush(session)
    mine = [file for file in files.values() if file.folder_id in {folders[s].id for s in attached}]
    await ensure_views(session, agent.id, mine)
    targets = [
        OpenTarget(files[view.file_id], max(0, (view.start_line or 1) - 1))
        for view in entry.files_agents
        if view.is_open and files[view.file_id].content is not None
    ]
    await open_files_for(session, agent, targets)
