"""Agents' views of the files of their attached folders: which are open, what part of each
shows in the prompt, and the file tools' `FileSystem` over them.

An open file shows a window of numbered lines (at most `per_file_view_window_char_limit`
characters) in the system prompt; at most `max_files_open` files are open, and opening
another closes the least recently used one.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.embedder import Embedder
from lettalite.agent.prompt import DirectoryView, FileBlock, render_directories
from lettalite.db import file_passages as passage_queries
from lettalite.db import folders as folder_queries
from lettalite.db.base import utcnow
from lettalite.db.folder_models import FileAgentRow, FilePassageRow, FileRow, FolderRow
from lettalite.db.models import AgentRow
from lettalite.db.session import flush
from lettalite.errors import LettaliteError
from lettalite.ids import new_id
from lettalite.tools import ToolError
from lettalite.tools.files import (
    FileHit,
    FileRequest,
    FileText,
    LineWindow,
    OpenedFile,
    OpenResult,
    file_defaults,
    line_window,
    lru_evictions,
)


def file_limits(agent: AgentRow) -> tuple[int, int]:
    """The agent's max_files_open and per-file character window (its own, else by its
    context window)."""
    default_files, default_chars = file_defaults(agent.context_window)
    return (
        agent.max_files_open or default_files,
        agent.per_file_view_window_char_limit or default_chars,
    )


@dataclass(frozen=True)
class OpenTarget:
    file: FileRow  # with its content loaded
    offset: int = 0
    length: int | None = None


def _show(view: FileAgentRow, target: OpenTarget, char_limit: int) -> LineWindow:
    window = line_window(target.file.content or "", target.offset, target.length, char_limit)
    view.is_open = True
    view.visible_content = window.visible
    view.start_line, view.end_line = window.start_line, window.end_line
    view.last_accessed_at = utcnow()
    return window


def _close(view: FileAgentRow) -> None:
    view.is_open = False
    view.visible_content = None
    view.start_line = view.end_line = None


async def ensure_views(
    session: AsyncSession, agent_id: str, files: Sequence[FileRow]
) -> dict[str, FileAgentRow]:
    """The agent's view of each file (made closed where missing), by file id."""
    views = {view.file_id: view for view in await folder_queries.file_views(session, agent_id)}
    for file in files:
        if file.id not in views:
            views[file.id] = FileAgentRow(
                id=new_id("file_agent"),
                agent_id=agent_id,
                file_id=file.id,
                folder_id=file.folder_id,
                is_open=False,
                last_accessed_at=utcnow(),
            )
            session.add(views[file.id])
    await flush(session)
    return views


async def open_files_for(
    session: AsyncSession,
    agent: AgentRow,
    targets: Sequence[OpenTarget],
    *,
    close_all_others: bool = False,
) -> OpenResult:
    """Open `targets` in the agent's view (the last ones win when more than max_files_open
    are given), closing others as needed; names what was opened and closed."""
    max_open, char_limit = file_limits(agent)
    targets = list({t.file.id: t for t in targets}.values())[-max_open:]
    views = await ensure_views(session, agent.id, [t.file for t in targets])
    open_views = [v for v in views.values() if v.is_open]
    open_views.sort(key=lambda v: (v.last_accessed_at, v.id))
    opening = [t.file.id for t in targets]
    if close_all_others:
        closing = [v.file_id for v in open_views if v.file_id not in set(opening)]
    else:
        closing = lru_evictions([v.file_id for v in open_views], opening, max_open)
    names = await _file_names(session, closing)
    for file_id in closing:
        _close(views[file_id])
    opened = [OpenedFile(t.file.file_name, _show(views[t.file.id], t, char_limit)) for t in targets]
    await flush(session)
    return OpenResult(opened=opened, closed=[names[file_id] for file_id in closing])


async def _file_names(session: AsyncSession, file_ids: Sequence[str]) -> dict[str, str]:
    return {file_id: (await session.get(FileRow, file_id)).file_name for file_id in file_ids}


def close_view(view: FileAgentRow) -> None:
    _close(view)


async def directories(session: AsyncSession, agent: AgentRow) -> str:
    """The `<directories>` section of the agent's prompt ("" without attached folders)."""
    folders = await folder_queries.agent_folders(session, agent.id)
    if not folders:
        return ""
    views = {v.file_id: v for v in await folder_queries.file_views(session, agent.id)}
    files = await folder_queries.files_of_folders(session, [f.id for f in folders])
    by_folder: dict[str, list[FileBlock]] = {folder.id: [] for folder in folders}
    for file in files:
        view = views.get(file.id)
        visible = view.visible_content if view is not None and view.is_open else None
        if view is not None and view.is_open and visible is None:
            visible = "(the file is still being processed)"
        by_folder[file.folder_id].append(FileBlock(file.file_name, visible))
    listed = [
        DirectoryView(f.name, f.description, f.instructions, by_folder[f.id]) for f in folders
    ]
    return render_directories(listed, file_limits(agent))


class AgentFiles:
    """The file tools' view of one agent's attached folders, inside the step's transaction."""

    def __init__(self, session: AsyncSession, agent: AgentRow, embedder: Embedder) -> None:
        self._session = session
        self._agent = agent
        self._embedder = embedder
        self.max_files_open = file_limits(agent)[0]

    async def _folders(self) -> list[FolderRow]:
        return await folder_queries.agent_folders(self._session, self._agent.id)

    async def _files(self, *, content: bool) -> list[FileRow]:
        folder_ids = [folder.id for folder in await self._folders()]
        return await folder_queries.files_of_folders(self._session, folder_ids, content=content)

    async def open(
        self, requests: list[FileRequest], close_all_others: bool
    ) -> OpenResult | ToolError:
        files = {file.file_name: file for file in await self._files(content=True)}
        targets = []
        for request in requests:
            file = files.get(request["file_name"])
            if file is None:
                known = ", ".join(list(files)[:20]) or "none"
                return ToolError(
                    f"File '{request['file_name']}' is not in your attached folders "
                    f"(name files as <folder>/<file>; some of yours: {known})."
                )
            if file.content is None:
                why = f" ({file.error_message})" if file.error_message else ""
                return ToolError(
                    f"File '{file.file_name}' cannot be opened yet: its processing is "
                    f"{file.processing_status}{why}."
                )
            targets.append(OpenTarget(file, request.get("offset") or 0, request.get("length")))
        async with self._session.begin_nested():
            return await open_files_for(
                self._session, self._agent, targets, close_all_others=close_all_others
            )

    async def texts(self, include: re.Pattern[str] | None) -> list[FileText]:
        return [
            FileText(file.file_name, file.content)
            for file in await self._files(content=True)
            if file.content is not None and (include is None or include.search(file.file_name))
        ]

    async def search(self, query: str, limit: int) -> list[FileHit] | ToolError:
        try:
            scored = await search_chunks(
                self._session, await self._folders(), self._embedder, query, limit
            )
        except LettaliteError as error:
            return ToolError(error.detail)
        names = {}
        for passage, _ in scored:
            if passage.file_id not in names:
                names[passage.file_id] = (
                    await self._session.get(FileRow, passage.file_id)
                ).file_name
        return [FileHit(names[p.file_id], p.text, score) for p, score in scored]


async def search_chunks(
    session: AsyncSession,
    folders: Sequence[FolderRow],
    embedder: Embedder,
    query: str,
    limit: int,
) -> list[tuple[FilePassageRow, float]]:
    """The chunks of `folders` best matching `query`: nearest by vector under each folder's
    embedding model, then filled up by full-text rank (score 1 / (1 + place))."""
    nearest: list[tuple[FilePassageRow, float | None]] = []
    for handle in dict.fromkeys(f.embedding for f in folders if f.embedding is not None):
        vector = await embedder.embed(handle, query)
        nearest += await passage_queries.nearest_file_passages(
            session,
            [f.id for f in folders if f.embedding == handle],
            vector=vector,
            embedding_model=handle,
            limit=limit,
        )
    nearest.sort(key=lambda hit: (hit[1] is None, hit[1] or 0.0))
    hits = [(row, 0.0 if d is None else 1.0 - d) for row, d in nearest[:limit]]
    if len(hits) < limit:
        by_words = await passage_queries.matching_file_passages(
            session,
            [f.id for f in folders],
            query=query,
            limit=limit - len(hits),
            excluding=[row.id for row, _ in hits],
        )
        hits += [(row, 1.0 / (1 + place)) for place, row in enumerate(by_words)]
    return hits
