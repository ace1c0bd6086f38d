"""Checks on the raw request, made before routing and parsing: the Host it is addressed to,
body size, encoding, NULs.

A pure ASGI middleware. The body is read here (up to the cap) and handed on as one message;
every later `receive` goes to the server, so disconnects still reach streamed responses.
"""

import re
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lettalite.config import is_loopback
from lettalite.schemas.common import NUL_PROBLEM

CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


class BodyTooLarge(Exception):
    pass


class ClientDisconnected(Exception):
    pass


def host_name(host: str) -> str:
    """The name in a Host header, lowercase: `[::1]:8283` -> `::1`, `Host:80` -> `host`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.partition(":")[0]


def host_problem(headers: Headers, allowlist: frozenset[str]) -> str | None:
    """Why a request addressed to this Host is refused, or None when it is served."""
    host = headers.get("host")
    # A request without Host (HTTP/1.0) comes from no browser, so it cannot be a rebinding page.
    if host is None:
        return None
    name = host_name(host)
    if is_loopback(name) or name in allowlist:
        return None
    served = "localhost and loopback addresses" + "".join(f", {n}" for n in sorted(allowlist))
    return (
        f"Host {host[:255]!r} is not served here: this server answers requests addressed to"
        f" {served} (a guard against DNS rebinding). To serve it, add {name[:255]!r} to"
        " LETTALITE_ALLOWED_HOSTS (comma-separated names; * allows any) or set LETTALITE_API_KEY"
    )


def nul_in_query(query_string: bytes) -> str | None:
    """The first query parameter whose name or value holds a NUL character, if any."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return next((name for name, value in pairs if "\x00" in name + value), None)


def is_json(headers: Headers) -> bool:
    # FastAPI parses a body without a content type as JSON too.
    media_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def utf8_problem(body: bytes) -> str | None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        return (
            f"body: not valid UTF-8 (byte 0x{body[error.start]:02x} at offset {error.start});"
            " JSON must be encoded as UTF-8"
        )
    return None


async def read_body(receive: Receive, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields the buffered body once, then defers to the server."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive_replayed() -> Message:
        return pending.pop() if pending else await receive()

    return receive_replayed


async def refuse(status: int, detail: str, scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse(status_code=status, content={"detail": detail})(scope, receive, send)


class RequestGuards:
    def __init__(
        self, app: ASGIApp, max_body_bytes: int, host_allowlist: frozenset[str] | None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Names served besides loopback ones; None: every host is served.
        self.host_allowlist = host_allowlist
        self.too_large = (
            f"The request body is larger than this server's limit of {max_body_bytes} bytes"
            " (LETTALITE_MAX_BODY_BYTES)"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal_before_body(scope, headers)
        if refusal is not None:
            await refuse(*refusal, scope, receive, send)
            return
        try:
            body = await read_body(receive, self.max_body_bytes)
        except BodyTooLarge:
            await refuse(413, self.too_large, scope, receive, send)
            return
        except ClientDisconnected:
            return
        problem = utf8_problem(body) if body and is_json(headers) else None
        if problem is not None:
            await refuse(422, problem, scope, receive, send)
            return
        await self.app(scope, replay(body, receive), send)

    def _refusal_before_body(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        if self.host_allowlist is not None:
            problem = host_problem(headers, self.host_allowlist)
            if problem is not None:
                # 421 Misdirected Request: not a host this server produces responses for.
                return 421, problem
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            return 413, self.too_large
        if "\x00" in scope["path"]:
            return 422, f"path: {NUL_PROBLEM}"
        # No id or label holds a control character, so no such path names a resource. Checked
        # here because Starlette's route patterns end in `$`, which also matches before a final
        # newline: `/v1/tools/%0A` would otherwise be served as the tool list.
        if CONTROL_CHARACTER.search(scope["path"]):
            return 404, "Not found: the path contains a control character"
        parameter = nul_in_query(scope.get("query_string", b""))
        if parameter is not None:
            return 422, f"query.{parameter}: {NUL_PROBLEM}"
        return None
