"""Every error becomes `{"detail": "..."}` with one status per error class."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lettalite.errors import Conflict, InvalidArgument, LettaliteError, LLMProviderError, NotFound

logger = logging.getLogger("lettalite")

STATUS_BY_ERROR: dict[type[LettaliteError], int] = {
    NotFound: 404,
    Conflict: 409,
    InvalidArgument: 400,
    LLMProviderError: 502,
}
# The SDKs re-send a request on 409 and 5xx unless told not to. A conflict may resolve itself
# (a concurrent edit), a provider failure that survived our own retries will not.
NO_RETRY_ERRORS = (InvalidArgument, NotFound, LLMProviderError)


def _location(loc: tuple) -> str:
    parts = [str(part) for part in loc if part not in ("body",)]
    return ".".join(parts) or "body"


def describe_validation_errors(error: RequestValidationError) -> str:
    problems = []
    for item in error.errors():
        message = item.get("msg", "invalid value")
        message = message.removeprefix("Value error, ")
        problems.append(f"{_location(tuple(item.get('loc', ())))}: {message}")
    return "; ".join(problems) or "Invalid request"


async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": describe_validation_errors(error)})


async def _lettalite_error(_request: Request, error: LettaliteError) -> JSONResponse:
    status = next((code for cls, code in STATUS_BY_ERROR.items() if isinstance(error, cls)), 400)
    headers = {"x-should-retry": "false"} if isinstance(error, NO_RETRY_ERRORS) else None
    return JSONResponse(status_code=status, content={"detail": error.detail}, headers=headers)


async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
    return JSONResponse(
        status_code=error.status_code,
        content={"detail": error.detail},
        headers=getattr(error, "headers", None),
    )


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(status_code=500, content={"detail": "An internal error occurred"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(LettaliteError, _lettalite_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
