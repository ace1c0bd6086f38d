from fastapi import APIRouter

from lettalite import __version__
from lettalite.api.routing import collection_route
from lettalite.schemas.common import WireModel

router = APIRouter(prefix="/v1/health", tags=["health"])


class Health(WireModel):
    status: str
    version: str


@collection_route(router, "GET", response_model=Health)
async def health() -> Health:
    return Health(status="ok", version=__version__)
