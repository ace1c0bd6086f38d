"""Folders attached to agents, and the agents' open and closed files (`client.agents.folders`,
`client.agents.files`).

Attaching a folder gives the agent the file tools (`letta_files_core`) and opens the folder's
newest files, as many as `max_files_open` allows; detaching the last folder takes the tools
away again.
"""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.files import OpenTarget, close_view, ensure_views, open_files_for
from lettalite.agent.memory import refresh_prompts
from lettalite.db import agents as agent_queries
from lettalite.db import folders as folder_queries
from lettalite.db import tools as tool_queries
from lettalite.db.folder_models import AgentFolderRow, FileRow
from lettalite.db.models import AgentRow, AgentToolRow
from lettalite.db.pagination import Page
from lettalite.db.session import flush
from lettalite.errors import NotFound
from lettalite.schemas.agent import AgentState
from lettalite.schemas.folder import AgentFileAttachment, Folder, PaginatedAgentFiles
from lettalite.services.agents import render
from lettalite.services.views import folder_model
from lettalite.tools import TOOLS

FILE_TOOLS = [name for name, spec in TOOLS.items() if spec.context == "files"]


async def _add_file_tools(session: AsyncSession, agent: AgentRow) -> None:
    tools = await tool_queries.tools_by_name(session, FILE_TOOLS)
    have = {link.tool_id for link in agent.tool_links}
    for name in FILE_TOOLS:
        if tools[name].id not in have:
            agent.tool_links.append(AgentToolRow(tool_id=tools[name].id, tool=tools[name]))


async def attach(session: AsyncSession, agent_id: str, folder_id: str) -> AgentState:
    agent = await agent_queries.get_agent(session, agent_id)
    folder = await folder_queries.get_folder(session, folder_id)
    if await folder_queries.get_link(session, agent_id, folder_id) is None:
        session.add(AgentFolderRow(agent_id=agent_id, folder_id=folder.id))
        await _add_file_tools(session, agent)
        files = await folder_queries.files_of_folders(session, [folder.id], content=True)
        await ensure_views(session, agent_id, files)
        readable = sorted((f for f in files if f.content is not None), key=_newest_last)
        await open_files_for(session, agent, [OpenTarget(f) for f in readable])
        await refresh_prompts(session, [agent_id])
    return await render(session, agent)


def _newest_last(file: FileRow) -> tuple:
    return (file.created_at, file.id)


async def detach(session: AsyncSession, agent_id: str, folder_id: str) -> AgentState:
    agent = await agent_queries.get_agent(session, agent_id)
    await folder_queries.get_folder(session, folder_id)
    link = await folder_queries.get_link(session, agent_id, folder_id)
    if link is None:
        raise NotFound(f"Folder {folder_id} is not attached to agent {agent_id}")
    for view in await folder_queries.file_views(session, agent_id):
        if view.folder_id == folder_id:
            await session.delete(view)
    await session.delete(link)
    await flush(session)
    await after_folders_removed(session, [agent_id])
    return await render(session, agent)


async def after_folders_removed(session: AsyncSession, agent_ids: Sequence[str]) -> None:
    """Agents left without folders lose the file tools; every prompt shows what is left."""
    for agent_id in agent_ids:
        if await folder_queries.agent_folders(session, agent_id):
            continue
        agent = await agent_queries.get_agent(session, agent_id)
        agent.tool_links = [link for link in agent.tool_links if link.tool.name not in FILE_TOOLS]
    await flush(session)
    await refresh_prompts(session, agent_ids)


async def list_folders(session: AsyncSession, agent_id: str, page: Page) -> list[Folder]:
    await agent_queries.get_agent_row(session, agent_id)
    folders = await folder_queries.list_folders(session, page, agent_id=agent_id)
    return [folder_model(folder) for folder in folders]


async def list_files(
    session: AsyncSession, agent_id: str, page: Page, *, is_open: bool | None
) -> PaginatedAgentFiles:
    await agent_queries.get_agent_row(session, agent_id)
    wider = Page(after=page.after, before=page.before, limit=page.limit + 1, order=page.order)
    rows = await folder_queries.list_file_views(session, agent_id, wider, is_open=is_open)
    shown = rows[: page.limit]
    files = [
        AgentFileAttachment(
            id=view.id,
            file_id=file.id,
            file_name=file.file_name,
            folder_id=folder.id,
            folder_name=folder.name,
            is_open=view.is_open,
            last_accessed_at=view.last_accessed_at,
            visible_content=view.visible_content,
            start_line=view.start_line,
            end_line=view.end_line,
        )
        for view, file, folder in shown
    ]
    has_more = len(rows) > page.limit
    return PaginatedAgentFiles(
        files=files, next_cursor=files[-1].id if has_more else None, has_more=has_more
    )


async def _attached_file(session: AsyncSession, agent_id: str, file_id: str) -> FileRow:
    file = await folder_queries.get_file(session, file_id, content=True)
    if await folder_queries.get_link(session, agent_id, file.folder_id) is None:
        raise NotFound(f"File {file_id} is not in a folder attached to agent {agent_id}")
    return file


async def open_file(session: AsyncSession, agent_id: str, file_id: str) -> list[str]:
    """Open the file in the agent's view; the names of the files closed to make room."""
    agent = await agent_queries.get_agent_row(session, agent_id)
    file = await _attached_file(session, agent_id, file_id)
    result = await open_files_for(session, agent, [OpenTarget(file)])
    await refresh_prompts(session, [agent_id])
    return result.closed


async def close_file(session: AsyncSession, agent_id: str, file_id: str) -> None:
    await agent_queries.get_agent_row(session, agent_id)
    await _attached_file(session, agent_id, file_id)
    view = await folder_queries.file_view(session, agent_id, file_id)
    if view is not None and view.is_open:
        close_view(view)
        await flush(session)
        await refresh_prompts(session, [agent_id])


async def close_all(session: AsyncSession, agent_id: str) -> list[str]:
    """Close every open file of the agent; their names."""
    await agent_queries.get_agent_row(session, agent_id)
    views = await folder_queries.file_views(session, agent_id, is_open=True)
    names = [(await session.get(FileRow, view.file_id)).file_name for view in views]
    for view in views:
        close_view(view)
    await flush(session)
    await refresh_prompts(session, [agent_id])
    return names


async def open_in_attached_agents(session: AsyncSession, file: FileRow) -> None:
    """A file's text is ready: open it for every agent its folder is attached to."""
    agent_ids = await folder_queries.folder_agent_ids(session, [file.folder_id])
    for agent in await agent_queries.agents_by_ids(session, agent_ids):
        await open_files_for(session, agent, [OpenTarget(file)])
    await refresh_prompts(session, agent_ids)
