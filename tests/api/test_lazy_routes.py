"""Routes are analysed on first use, and what they then serve and document is what FastAPI's
eager routes would."""

from fastapi import FastAPI
from fastapi.routing import APIRoute

from lettalite.api.routing import LazyRoute
from lettalite.app import create_app
from lettalite.config import Settings

SETTINGS = Settings(LETTALITE_DATABASE_URL="sqlite+aiosqlite:///:memory:")


def lazy_routes(app: FastAPI) -> list[LazyRoute]:
    return [route for route in app.routes if isinstance(route, LazyRoute)]


def analysed(route: LazyRoute) -> bool:
    return "dependant" in route.__dict__


def test_no_route_is_analysed_until_used() -> None:
    app = create_app(SETTINGS)
    routes = lazy_routes(app)
    assert len(routes) > 200
    assert not any(analysed(route) for route in routes)

    health = next(route for route in routes if route.path == "/v1/health/")
    assert health.dependant.call is health.endpoint
    assert [route for route in routes if analysed(route)] == [health]


def test_the_document_is_that_of_eager_routes() -> None:
    app = create_app(SETTINGS)
    eager = FastAPI(title=app.title, version=app.version, responses=app.router.responses)
    for route in lazy_routes(app):
        path, endpoint, options = route.declared
        options = {
            key: value for key, value in options.items() if key != "dependency_overrides_provider"
        }
        eager.router.add_api_route(path, endpoint, route_class_override=APIRoute, **options)

    assert app.openapi() == eager.openapi()
    assert all(analysed(route) for route in lazy_routes(app))
