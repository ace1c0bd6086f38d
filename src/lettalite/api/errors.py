"""Every error becomes `{"detail": "..."}` with one status per error class."""

import logging
import sys
from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lettalite.api.methods import allowed_methods
from lettalite.errors import (
    Conflict,
    Forbidden,
    InvalidArgument,
    LettaliteError,
    LLMProviderError,
    McpConnectionError,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    UnprocessableValue,
    UnsupportedMediaType,
)

logger = logging.getLogger("lettalite")

DATABASE_UNAVAILABLE = "The database is unavailable; retry shortly"
# Errors that mean the database could not be reached, not that a statement was wrong.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError, PoolTimeoutError)
ASYNCPG_CONNECTION_ERRORS = (
    "PostgresConnectionError",
    "InterfaceError",
    "CannotConnectNowError",
    "AdminShutdownError",
)


def connection_errors() -> tuple[type[BaseException], ...]:
    """CONNECTION_ERRORS, and asyncpg's once it is loaded: only a PostgreSQL database loads
    it, and importing it would cost every start on SQLite half a second."""
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is None:
        return CONNECTION_ERRORS
    return (*CONNECTION_ERRORS, *(getattr(asyncpg, name) for name in ASYNCPG_CONNECTION_ERRORS))


class ErrorDetail(BaseModel):
    """Every error response: what went wrong, naming the field when a field is at fault."""

    detail: str


def _error_response(description: str) -> dict:
    return {"model": ErrorDetail, "description": description}


# Declared on every operation, so the OpenAPI schema matches what the handlers below send.
ERROR_RESPONSES: dict[int | str, dict] = {
    404: _error_response("Not found"),
    413: _error_response("Request body over LETTALITE_MAX_BODY_BYTES"),
    421: _error_response("The Host header names a host this server does not serve"),
    422: _error_response("Invalid request: the detail names the field and the problem"),
    503: _error_response("The database is unavailable; retry shortly"),
}
# Declared on the operations that change agents and blocks.
WRITE_ERROR_RESPONSES: dict[int | str, dict] = {
    400: _error_response("The request cannot be carried out (e.g. a value over its limit)"),
    409: _error_response("The change collides with existing state (e.g. a duplicate label)"),
}

# Declared on file uploads.
UPLOAD_ERROR_RESPONSES: dict[int | str, dict] = {
    **WRITE_ERROR_RESPONSES,
    415: _error_response("The file's type cannot be read (PDF, HTML, text and code files can)"),
}

# Declared on the MCP server operations: a server that cannot be reached is a 502 whose body
# also carries Letta's `{"error": {"type": "mcp_connection_error", ...}}`.
MCP_ERROR_RESPONSES: dict[int | str, dict] = {
    **WRITE_ERROR_RESPONSES,
    502: _error_response("An MCP server could not be reached; the detail says why"),
}

# Declared on the operations that write a block's value.
BLOCK_WRITE_RESPONSES: dict[int | str, dict] = {
    **WRITE_ERROR_RESPONSES,
    412: _error_response("If-Match names a version of the block that is no longer current"),
    422: _error_response("Invalid request, or a value over the block's limit"),
}

# Declared on the operations that run a turn.
TURN_ERROR_RESPONSES: dict[int | str, dict] = {
    **WRITE_ERROR_RESPONSES,
    409: _error_response("Another turn of this agent is running; retry shortly"),
    502: _error_response("The model provider failed; the detail quotes it"),
}

STATUS_BY_ERROR: dict[type[LettaliteError], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidArgument: 400,
    PreconditionFailed: 412,
    UnprocessableValue: 422,
    UnsupportedMediaType: 415,
    LLMProviderError: 502,
    McpConnectionError: 502,
}
# The SDKs re-send a request on 409 and 5xx unless told not to. A conflict may resolve itself
# (a concurrent edit), a provider failure that survived our own retries will not.
NO_RETRY_ERRORS = (
    Unauthorized,
    Forbidden,
    InvalidArgument,
    NotFound,
    LLMProviderError,
    McpConnectionError,
    PreconditionFailed,
    UnprocessableValue,
)


# Tags pydantic puts in an error's location for a message of a list of mixed kinds
# (`messages.0.message.role`); the client sent `messages.0.role`.
INPUT_KINDS = ("message", "approval", "tool_return")


def _location(loc: tuple) -> str:
    parts = [
        str(part)
        for index, part in enumerate(loc)
        if part != "body"
        and not (part in INPUT_KINDS and index and isinstance(loc[index - 1], int))
    ]
    return ".".join(parts) or "body"


def _describe_problem(item: dict) -> str:
    loc = tuple(item.get("loc", ()))
    kind = item.get("type")
    if kind == "json_invalid":  # FastAPI puts the character offset where a field name goes
        reason = item.get("ctx", {}).get("error", "malformed")
        return f"body: invalid JSON at character {loc[-1]}: {reason}"
    if kind in ("model_attributes_type", "dict_type"):
        return f"{_location(loc)}: must be a JSON object"
    message = item.get("msg", "invalid value").removeprefix("Value error, ")
    return f"{_location(loc)}: {message}"


def describe_validation_errors(error: RequestValidationError) -> str:
    return "; ".join(_describe_problem(item) for item in error.errors()) or "Invalid request"


# Routes that OpenAI's SDKs call: their exceptions show only a body's `message`.
OPENAI_PATHS = ("/v1/chat/",)


def _content(request: Request, body: dict[str, object]) -> dict[str, object]:
    """The error body; on OpenAI's routes the detail is repeated as `message`."""
    detail = body.get("detail")
    if request.url.path.startswith(OPENAI_PATHS) and isinstance(detail, str):
        return {**body, "message": detail}
    return body


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    content = _content(request, {"detail": describe_validation_errors(error)})
    return JSONResponse(status_code=422, content=content)


async def _lettalite_error(request: Request, error: LettaliteError) -> JSONResponse:
    status = next((code for cls, code in STATUS_BY_ERROR.items() if isinstance(error, cls)), 400)
    headers = {"x-should-retry": "false"} if isinstance(error, NO_RETRY_ERRORS) else {}
    headers.update(error.headers)
    content = _content(request, error.body())
    return JSONResponse(status_code=status, content=content, headers=headers)


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    detail, headers = error.detail, getattr(error, "headers", None)
    if error.status_code == 405:  # in place of the router's Allow, which lists one route's
        allowed = ", ".join(allowed_methods(request.app.router, request.scope))
        detail = f"Method {request.method} is not allowed on {request.url.path}; allowed: {allowed}"
        headers = {"allow": allowed}
    return JSONResponse(status_code=error.status_code, content={"detail": detail}, headers=headers)


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    if is_database_outage(error):  # an asyncpg error that no handler is registered for
        return database_unavailable(request.method, request.url.path, error)
    logger.exception("Unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(status_code=500, content={"detail": "An internal error occurred"})


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what it was raised from (SQLAlchemy and its drivers wrap with `from`)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__


def is_database_outage(error: BaseException) -> bool:
    """True when the database could not be reached or dropped the connection."""
    if isinstance(error, DBAPIError) and (
        error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    ):
        return True
    errors = connection_errors()
    return any(isinstance(cause, errors) for cause in _causes(error))


def database_unavailable(method: str, path: str, error: Exception) -> JSONResponse:
    """503 for a request that met a database outage; the SDKs retry it after `Retry-After`."""
    # No traceback and no statement text: an outage is an operational event, not a bug.
    logger.warning("Database unavailable on %s %s (%s)", method, path, type(error).__name__)
    return JSONResponse(
        status_code=503, content={"detail": DATABASE_UNAVAILABLE}, headers={"retry-after": "1"}
    )


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    if not is_database_outage(error):
        return await _unexpected_error(request, error)
    return database_unavailable(request.method, request.url.path, error)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(LettaliteError, _lettalite_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for database_error in (DBAPIError, *CONNECTION_ERRORS):
        app.add_exception_handler(database_error, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
