from fastapi import Request

from lettalite import __version__
from lettalite.api.deps import DatabaseDep
from lettalite.api.routing import api_router, collection_route
from lettalite.schemas.common import WireModel

router = api_router(prefix="/v1/health", tags=["health"])


class Health(WireModel):
    status: str
    version: str
    # What works in a degraded way on this server (e.g. archival search without pgvector,
    # custom tools without bubblewrap); each is logged at startup too. Not in Letta's
    # response, which the SDKs parse regardless.
    warnings: list[str]


@collection_route(router, "GET", response_model=Health)
async def health(database: DatabaseDep, request: Request) -> Health:
    sandbox = await request.app.state.sandbox.ready()
    custom_tools = f"Custom tools: {sandbox.warning}" if sandbox.warning else None
    warnings = [w for w in (database.vector_search_warning, custom_tools) if w]
    return Health(status="ok", version=__version__, warnings=warnings)
