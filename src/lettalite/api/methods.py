"""The methods a path serves: HEAD of every GET route, OPTIONS answered with `Allow`, and the
whole `Allow` list on a 405 (the router names only the first route that matched the path)."""

from starlette.responses import Response
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

ROUTE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(router: Router, scope: Scope) -> list[str]:
    """The methods served at this request's path, sorted; empty when no route has the path."""
    served = {
        method
        for method in ROUTE_METHODS
        if any(
            route.matches({**scope, "method": method})[0] is Match.FULL for route in router.routes
        )
    }
    if not served:
        return []
    if "GET" in served:
        served.add("HEAD")
    return sorted(served | {"OPTIONS"})


class MethodNegotiation:
    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method") if scope["type"] == "http" else None
        if method == "OPTIONS":
            allowed = allowed_methods(self.router, scope)
            if allowed:
                await Response(headers={"allow": ", ".join(allowed)})(scope, receive, send)
                return
        elif method == "HEAD" and "GET" in allowed_methods(self.router, scope):
            # Served as the GET; uvicorn sends its headers without the body. A copy, because
            # uvicorn reads the method from its own scope to know that.
            scope = {**scope, "method": "GET"}
        await self.app(scope, receive, send)
