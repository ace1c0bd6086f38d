"""Route registration that answers a collection with and without its trailing slash.

The SDKs call collections with the slash (`/v1/agents/`); people with curl often leave it
off. Both are served directly, without Starlette's 307 redirect round trip.
"""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter


def collection_route(
    router: APIRouter, method: str, path: str = "", **kwargs: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers `path` (after the router's prefix) with and without its trailing slash."""

    def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        router.add_api_route(f"{path}/", endpoint, methods=[method], **kwargs)
        router.add_api_route(path, endpoint, methods=[method], include_in_schema=False, **kwargs)
        return endpoint

    return register
