"""How routes are declared and put into the app.

Routes are built lazily: FastAPI analyses an endpoint's parameters and builds a validator for
each of them and for its response when the route is created, about 3 ms a route, over half a
second for all of them. A `LazyRoute` knows only its path and methods until a request first
matches it (or the OpenAPI document is asked for), so the server serves within a second of
starting. Routes go straight into the app's router: included routers would be analysed once
more, all at once, on the first request that reaches them.

Collections are answered with and without their trailing slash: the SDKs call them with it
(`/v1/agents/`), people with curl often leave it off. Both are served directly, without
Starlette's 307 redirect round trip.
"""

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, params
from fastapi.routing import APIRoute
from starlette.routing import compile_path, get_name


class LazyRoute(APIRoute):
    """An APIRoute that does FastAPI's analysis of its endpoint on first use."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        self.declared = (path, endpoint, options)
        self._analysed = False
        # What matching a request needs (Starlette's Route.matches) and the API guards read.
        self.path = path
        self.endpoint = endpoint
        self.name = options.get("name") or get_name(endpoint)
        self.methods = {method.upper() for method in options.get("methods") or ["GET"]}
        self.include_in_schema = options.get("include_in_schema", True)
        self.path_regex, self.path_format, self.param_convertors = compile_path(path)

    def __getattr__(self, name: str) -> Any:
        # Only called for an attribute not set yet: one of those the analysis sets.
        if name.startswith("__") or self.__dict__.get("_analysed", True):
            raise AttributeError(name)
        self._analysed = True
        path, endpoint, options = self.declared
        APIRoute.__init__(self, path, endpoint, **options)
        return getattr(self, name)


def api_router(**options: Any) -> APIRouter:
    """A module's router; its routes are put into the app by `include`."""
    return APIRouter(route_class=LazyRoute, **options)


def include(app: FastAPI, router: APIRouter, dependencies: Sequence[params.Depends]) -> None:
    """Adds the router's routes to the app's own router, each with `dependencies` first."""
    for route in router.routes:
        assert isinstance(route, LazyRoute), "declare the router with api_router()"
        path, endpoint, options = route.declared
        options = {**options, "dependencies": [*dependencies, *options["dependencies"]]}
        del options["dependency_overrides_provider"]  # the app's router sets its own
        app.router.add_api_route(path, endpoint, route_class_override=LazyRoute, **options)


def collection_route(
    router: APIRouter, method: str, path: str = "", **kwargs: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers `path` (after the router's prefix) with and without its trailing slash."""

    def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        router.add_api_route(f"{path}/", endpoint, methods=[method], **kwargs)
        router.add_api_route(path, endpoint, methods=[method], include_in_schema=False, **kwargs)
        return endpoint

    return register
