"""Assembles the FastAPI application."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from lettalite import __version__
from lettalite.agent.loop import TurnRunner
from lettalite.api import agents, blocks, core_memory, health, messages, models, tools
from lettalite.api.errors import install_error_handlers
from lettalite.config import Settings, get_settings
from lettalite.db.session import Database
from lettalite.llm.providers import Providers
from lettalite.services.tools import sync_builtin_tools


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings.resolved_database_url)
        async with database.session() as session:
            await sync_builtin_tools(session)
        providers = Providers(settings)
        app.state.database = database
        app.state.turns = TurnRunner(database, providers)
        yield
        await providers.close()
        await database.dispose()

    app = FastAPI(title="lettalite", version=__version__, lifespan=lifespan)
    install_error_handlers(app)
    for module in (health, agents, core_memory, blocks, tools, models, messages):
        app.include_router(module.router)
    return app
