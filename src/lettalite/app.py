"""Assembles the FastAPI application."""

import asyncio
import functools
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta

from fastapi import Depends, FastAPI
from fastapi.telemetry import TelemetryConfig
from sqlalchemy.exc import IntegrityError

from lettalite import __version__
from lettalite.agent.builtin_tools import BUILTIN_TOOLS
from lettalite.agent.callback_destination import CallbackPolicy
from lettalite.agent.loop import TurnRunner
from lettalite.agent.mcp_tools import McpToolExecutor
from lettalite.agent.runs import RunManager
from lettalite.agent.sandboxed_tools import SandboxedTool
from lettalite.agent.toolbox import ToolKinds
from lettalite.agent.turn_lock import TurnLocks
from lettalite.api import (
    access_tokens,
    agent_files,
    agent_folders,
    agents,
    archival,
    archives,
    blocks,
    chat_completions,
    context,
    conversations,
    core_memory,
    folders,
    global_messages,
    health,
    identities,
    mcp_servers,
    mcp_servers_legacy,
    messages,
    models,
    runs,
    schedules,
    steps,
    tags,
    templates,
    tools,
)
from lettalite.api import providers as providers_api
from lettalite.api.auth import install_auth
from lettalite.api.errors import ERROR_RESPONSES, install_error_handlers, is_database_outage
from lettalite.api.guards import RequestGuards
from lettalite.api.methods import MethodNegotiation
from lettalite.api.routing import include
from lettalite.api.scopes import enforce_token_scope
from lettalite.config import Settings, get_settings
from lettalite.db.session import Database
from lettalite.inspector import install_inspector, is_page
from lettalite.llm.endpoints import set_byok_loader
from lettalite.llm.providers import Providers
from lettalite.mcp_client import McpConnections
from lettalite.sandbox import SandboxSettings, StartingSandbox
from lettalite.secret_box import SecretBox
from lettalite.services import providers as byok_providers
from lettalite.services.file_processing import FileProcessor
from lettalite.services.mcp_servers import McpRuntime
from lettalite.services.scheduler import RETRY_SECONDS, Scheduler
from lettalite.services.tools import sync_builtin_tools

logger = logging.getLogger("lettalite")


async def keep_running(name: str, work: Callable[[], Awaitable[float]], pause: float) -> None:
    """Run `work` over and over, sleeping the seconds it returns in between; when it fails,
    log why (a database outage once, not every round) and try again after `pause`."""
    in_outage = False
    while True:
        try:
            wait = await work()
            in_outage = False
        except Exception as error:  # a database hiccup must not stop later rounds
            if not is_database_outage(error):
                logger.exception("%s failed", name)
            elif not in_outage:
                logger.warning("%s skipped: the database is unavailable", name)
                in_outage = True
            wait = pause
        await asyncio.sleep(wait)


def orphan_sweep(runs: RunManager, settings: Settings) -> Callable[[], Awaitable[float]]:
    """Fail runs left active by a process that died: now, and then once per lease period."""
    grace = timedelta(seconds=settings.turn_wait_seconds + settings.turn_lease_seconds)

    async def sweep() -> float:
        await runs.sweep_orphans(created_grace=grace)
        return settings.turn_lease_seconds

    return sweep


def mcp_runtime(settings: Settings, box: SecretBox) -> McpRuntime:
    connections = McpConnections(
        call_timeout=settings.mcp_timeout_seconds,
        connect_timeout=settings.mcp_connect_timeout_seconds,
    )
    return McpRuntime(connections, box, settings.mcp_allow_stdio)


async def open_database(settings: Settings) -> Database:
    # The pool settings are the server's, shared out among its workers: one worker per core
    # must not multiply the connections PostgreSQL has to allow (100 by default).
    workers = settings.workers or 1
    database = Database(
        settings.resolved_database_url,
        pool_size=math.ceil(settings.db_pool_size / workers),
        max_overflow=math.ceil(settings.db_max_overflow / workers),
    )
    if warning := await database.prepare_vector_search():
        logger.warning(warning)
    try:
        async with database.session() as session:
            await sync_builtin_tools(session)
    except IntegrityError:  # another process (a worker starting beside this one) added them
        async with database.session() as session:
            await sync_builtin_tools(session)
    return database


def tool_kinds(database: Database, sandbox: StartingSandbox, mcp: McpRuntime) -> ToolKinds:
    load_mcp_server = mcp.loader(database)
    return ToolKinds(
        BUILTIN_TOOLS,
        lambda tool: SandboxedTool(tool, sandbox),
        lambda ref: McpToolExecutor(ref, mcp.connections, load_mcp_server),
    )


@asynccontextmanager
async def serving(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """What the server holds while it serves, kept on `app.state` for the routes."""
    database = await open_database(settings)
    providers = Providers(settings)
    locks = TurnLocks(
        database,
        wait_seconds=settings.turn_wait_seconds,
        lease_seconds=settings.turn_lease_seconds,
    )
    sandbox = StartingSandbox(SandboxSettings.from_settings(settings))
    if settings.tool_sandbox == "bubblewrap":
        await sandbox.ready()  # required: without it the server does not start
    box = SecretBox.from_settings(settings)
    load_providers = functools.partial(byok_providers.install_stored, database, box)
    await load_providers()
    set_byok_loader(load_providers)  # for a provider another worker has just stored
    mcp = mcp_runtime(settings, box)
    run_manager = RunManager(
        database,
        TurnRunner(database, providers.client_for, tool_kinds(database, sandbox, mcp)),
        locks,
        CallbackPolicy.from_entries(settings.callback_allowed_hosts),
    )
    app.state.database = database
    app.state.sandbox = sandbox
    app.state.runs = run_manager
    app.state.providers = providers
    app.state.mcp = mcp
    app.state.secret_box = box
    app.state.file_processor = files = FileProcessor(
        database, providers.client_for, settings.file_lease_seconds
    )
    sweep = orphan_sweep(run_manager, settings)
    scheduler = Scheduler(database, run_manager)

    async def reload_providers() -> float:  # another replica may have changed them
        await load_providers()
        return settings.provider_reload_seconds

    background = [
        asyncio.create_task(
            keep_running("Sweeping orphaned runs", sweep, settings.turn_lease_seconds)
        ),
        asyncio.create_task(
            keep_running("Firing scheduled messages", scheduler.fire_due, RETRY_SECONDS)
        ),
        asyncio.create_task(
            keep_running(
                "Reloading BYOK providers", reload_providers, settings.provider_reload_seconds
            )
        ),
        asyncio.create_task(keep_running("Processing files", files.work, RETRY_SECONDS)),
    ]
    yield
    for task in background:
        task.cancel()
    await run_manager.close()
    await mcp.connections.close()
    set_byok_loader(None)
    await providers.close()
    await database.dispose()


# FastAPI's OpenTelemetry for each request, unless LETTALITE_OPENTELEMETRY asks for it.
NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    def lifespan(app: FastAPI) -> AbstractAsyncContextManager[None]:
        return serving(app, settings)

    app = FastAPI(
        title="lettalite",
        version=__version__,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        telemetry=None if settings.opentelemetry else NO_TELEMETRY,
    )
    install_error_handlers(app)
    routers = (
        health,
        agent_files,
        agents,
        core_memory,
        archival,
        archives,
        folders,
        agent_folders,
        blocks,
        tools,
        mcp_servers,
        mcp_servers_legacy,
        models,
        messages,
        conversations,
        global_messages,
        runs,
        steps,
        tags,
        identities,
        context,
        access_tokens,
        providers_api,
        chat_completions,
        schedules,
        templates,
    )
    # With a key, requests may come with an access token, whose policy every route checks.
    token_scope = [Depends(enforce_token_scope)] if settings.api_key else []
    for module in routers:
        include(app, module.router, token_scope)
    install_inspector(app)
    app.add_middleware(MethodNegotiation, router=app.router)
    app.add_middleware(
        RequestGuards,
        max_body_bytes=settings.max_body_bytes,
        host_allowlist=settings.host_allowlist,
    )
    install_auth(app, settings.api_key, is_page)  # added last, so it runs first
    return app
