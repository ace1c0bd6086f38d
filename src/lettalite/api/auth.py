"""Bearer-key authentication, as a pure ASGI middleware.

It runs before routing, so unknown paths are refused too, and it passes `send` through
untouched, so streamed responses flow as they would without it.
"""

import hmac
from typing import Any

from fastapi import FastAPI
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# Load balancers and container health checks probe this without credentials.
OPEN_PATHS = frozenset({"/v1/health/", "/v1/health"})
SECURITY_SCHEME = "bearerAuth"


def _authorization(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value
    return None


def credentials_problem(authorization: bytes | None, api_key: bytes) -> str | None:
    """Why this Authorization header is refused, or None when it carries the key."""
    if authorization is None:
        return "Missing Authorization header: send 'Authorization: Bearer <API key>'"
    scheme, _, token = authorization.strip().partition(b" ")
    if scheme.lower() != b"bearer" or not token.strip():
        return "Malformed Authorization header: expected 'Bearer <API key>'"
    if not hmac.compare_digest(token.strip(), api_key):
        return "Invalid API key in the Authorization header"
    return None


class BearerAuth:
    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self.api_key = api_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Only HTTP: uvicorn runs here without a WebSocket library, so an upgrade request
        # arrives as plain HTTP too; "lifespan" needs no credentials.
        if scope["type"] != "http" or self._is_open(scope):
            await self.app(scope, receive, send)
            return
        problem = credentials_problem(_authorization(scope), self.api_key)
        if problem is None:
            await self.app(scope, receive, send)
            return
        refusal = JSONResponse(
            status_code=401,
            content={"detail": problem},
            headers={"www-authenticate": "Bearer", "x-should-retry": "false"},
        )
        await refusal(scope, receive, send)

    @staticmethod
    def _is_open(scope: Scope) -> bool:
        return scope.get("method") in ("GET", "HEAD") and scope["path"] in OPEN_PATHS


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
            operation.setdefault("responses", {})["401"] = {
                "description": "Missing or wrong API key",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}
                },
            }


def install_auth(app: FastAPI, api_key: str | None) -> None:
    """Require `Authorization: Bearer <api_key>` on every route but health; no-op without a key."""
    if not api_key:
        return
    app.add_middleware(BearerAuth, api_key=api_key)
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _declare_bearer_security(build_schema())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
