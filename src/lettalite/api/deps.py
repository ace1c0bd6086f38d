"""Request-scoped dependencies: the database session, the run manager, model clients, ids
and paging. All are `async def`: FastAPI runs a plain `def` dependency in a worker thread,
a thread hop per dependency per request for what is an attribute read."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.embedder import ModelClients
from lettalite.agent.runs import RunManager
from lettalite.db.pagination import Order, Page
from lettalite.db.session import Database
from lettalite.ids import id_pattern
from lettalite.secret_box import SecretBox
from lettalite.services.mcp_servers import McpRuntime

MAX_PAGE_SIZE = 1000


async def get_database(request: Request) -> Database:
    return request.app.state.database


async def get_runs(request: Request) -> RunManager:
    return request.app.state.runs


async def get_mcp(request: Request) -> McpRuntime:
    return request.app.state.mcp


async def get_secret_box(request: Request) -> SecretBox:
    return request.app.state.secret_box


async def get_model_clients(request: Request) -> ModelClients:
    return request.app.state.providers.client_for


async def get_session(
    database: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[AsyncSession]:
    # One transaction per request, committed before the response is sent.
    async with database.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]
RunsDep = Annotated[RunManager, Depends(get_runs)]
ModelClientsDep = Annotated[ModelClients, Depends(get_model_clients)]
McpDep = Annotated[McpRuntime, Depends(get_mcp)]
SecretBoxDep = Annotated[SecretBox, Depends(get_secret_box)]


def _path_id(prefix: str) -> object:
    return Path(pattern=id_pattern(prefix), description=f"`{prefix}-<uuid4>`")


AgentId = Annotated[str, _path_id("agent")]
BlockId = Annotated[str, _path_id("block")]
ToolId = Annotated[str, _path_id("tool")]
PassageId = Annotated[str, _path_id("passage")]
ProviderId = Annotated[str, _path_id("provider")]
StepId = Annotated[str, _path_id("step")]
IdentityId = Annotated[str, _path_id("identity")]
ArchiveId = Annotated[str, _path_id("archive")]
FolderId = Annotated[str, _path_id("source")]  # Letta's folders are sources
FileId = Annotated[str, _path_id("file")]


# MCP server ids, names and their tools' ids: unvalidated strings in Letta's API.
ServerKey = Annotated[str, Path(min_length=1, max_length=255)]
ConversationId = Annotated[str, _path_id("conv")]
# "default" (the agent's default conversation) or a conversation id; omitted: all of them.
ConversationFilter = Annotated[
    str | None,
    Query(pattern=f"^(default|{id_pattern('conv')[1:-1]})$", description="`default` or `conv-…`"),
]


# An item id to page from (`after`) or up to (`before`).
Cursor = Annotated[str | None, Query(max_length=128)]


def page_params(default_order: Order, default_limit: int) -> Callable[..., Awaitable[Page]]:
    """A dependency reading `after`, `before`, `limit` and `order` with per-listing defaults."""

    async def read_page(
        after: Cursor = None,
        before: Cursor = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = default_limit,
        order: Order = default_order,
    ) -> Page:
        return Page(after=after, before=before, limit=limit, order=order)

    return read_page


# Lists may come repeated (?tool_types=a&tool_types=b) or comma-separated (?tool_types=a,b).
ListQuery = Annotated[list[str] | None, Query()]


def list_items(values: list[str] | None) -> list[str]:
    return [item.strip() for value in values or () for item in value.split(",") if item.strip()]
