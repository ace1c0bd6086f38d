"""Bearer authentication, as a pure ASGI middleware: the server key, or a client-side access
token (whose policy api/scopes.py enforces per route).

It runs before routing, so unknown paths are refused too, and it passes `send` through
untouched, so streamed responses flow as they would without it. The server key costs one
constant-time comparison; an access token one lookup by primary key.
"""

import hmac
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from lettalite.api.errors import database_unavailable, is_database_outage
from lettalite.errors import Unauthorized
from lettalite.services.access_tokens import AccessGrant, authenticate, origin_of

# Load balancers and container health checks probe this without credentials.
OPEN_PATHS = frozenset({"/v1/health/", "/v1/health"})
SECURITY_SCHEME = "bearerAuth"
# Who a request was authenticated as: SERVER_KEY, or the AccessGrant of an access token.
AUTH_SCOPE_KEY = "lettalite.auth"
SERVER_KEY = "server_key"


def _authorization(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value
    return None


def _origin(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"origin":
            return origin_of(value.decode("latin-1"))
    return None


def bearer_token(authorization: bytes | None) -> bytes:
    """The token of a `Bearer <token>` header; Unauthorized saying what is wrong otherwise."""
    if authorization is None:
        raise Unauthorized("Missing Authorization header: send 'Authorization: Bearer <API key>'")
    scheme, _, token = authorization.strip().partition(b" ")
    if scheme.lower() != b"bearer" or not token.strip():
        raise Unauthorized("Malformed Authorization header: expected 'Bearer <API key>'")
    return token.strip()


def grant_problem(grant: AccessGrant, scope: Scope) -> str | None:
    """Why a token request is refused before routing, or None."""
    origin = _origin(scope)
    if origin is not None and origin != grant.origin:
        return f"This access token is for pages at {grant.origin}; the request comes from {origin}"
    if not scope["path"].startswith("/v1/"):
        return "An access token opens only the /v1 routes its policy allows"
    return None


def _refusal(status: int, detail: str) -> JSONResponse:
    headers = {"x-should-retry": "false"}
    if status == 401:
        headers["www-authenticate"] = "Bearer"
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


# Whether a request (method, path) is for a page that holds no data, open without a key.
OpenPage = Callable[[str, str], bool]


class BearerAuth:
    def __init__(self, app: ASGIApp, api_key: str, is_open_page: OpenPage) -> None:
        self.app = app
        self.api_key = api_key.encode()
        self.is_open_page = is_open_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Only HTTP: uvicorn runs here without a WebSocket library, so an upgrade request
        # arrives as plain HTTP too; "lifespan" needs no credentials.
        if scope["type"] != "http" or self._is_open(scope):
            await self.app(scope, receive, send)
            return
        try:
            token = bearer_token(_authorization(scope))
            # The server key costs one comparison; only other tokens are looked up.
            if hmac.compare_digest(token, self.api_key):
                scope[AUTH_SCOPE_KEY] = SERVER_KEY
            else:
                database = scope["app"].state.database
                scope[AUTH_SCOPE_KEY] = await authenticate(database, token.decode("latin-1"))
        except Unauthorized as refused:
            await _refusal(401, refused.detail)(scope, receive, send)
            return
        except Exception as error:
            if not is_database_outage(error):
                raise
            response = database_unavailable(scope["method"], scope["path"], error)
            await response(scope, receive, send)
            return
        grant = scope[AUTH_SCOPE_KEY]
        problem = grant_problem(grant, scope) if isinstance(grant, AccessGrant) else None
        if problem is not None:
            await _refusal(403, problem)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _is_open(self, scope: Scope) -> bool:
        method, path = scope.get("method", ""), scope["path"]
        return (method in ("GET", "HEAD") and path in OPEN_PATHS) or self.is_open_page(method, path)


def _error_response(description: str) -> dict[str, Any]:
    error = {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}
    return {"description": description, "content": {"application/json": error}}


def _declare_bearer_security(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
    }
    schema["security"] = [{SECURITY_SCHEME: []}]
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if path in OPEN_PATHS and method == "get":
                operation["security"] = []
                continue
            responses = operation.setdefault("responses", {})
            responses["401"] = _error_response("Missing, wrong or expired API key or token")
            responses["403"] = _error_response("An access token whose policy does not allow this")


def install_auth(app: FastAPI, api_key: str | None, is_open_page: OpenPage) -> None:
    """Require `Authorization: Bearer <api_key>` (or an access token) on every route but
    health and the pages `is_open_page` names; no-op without a key."""
    if not api_key:
        return
    app.add_middleware(BearerAuth, api_key=api_key, is_open_page=is_open_page)
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _declare_bearer_security(build_schema())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
