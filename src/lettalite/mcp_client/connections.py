"""One long-lived MCP client session per server, reused across calls and turns.

Each session lives in its own task (the `mcp` transports are context managers that must be
entered and left by one task); calls from any task go through it concurrently. Connecting takes
a per-server lock only, so a slow or broken server never delays calls to the others. A call
that fails because the connection was lost (the server restarted, the process died) reconnects
once and is sent again.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

logger = logging.getLogger("lettalite")

ServerType = Literal["stdio", "sse", "streamable_http"]
Result = TypeVar("Result")


class McpUnavailable(Exception):
    """The server could not be reached, or did not answer in time."""


@dataclass(frozen=True)
class McpServerSpec:
    """How to reach one server, its secrets in clear (held in memory only)."""

    server_id: str
    server_name: str
    server_type: ServerType
    server_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)

    def fingerprint(self) -> tuple[Any, ...]:
        return (
            self.server_type,
            self.server_url,
            tuple(sorted(self.headers.items())),
            self.command,
            self.args,
            tuple(sorted(self.env.items())),
        )


@dataclass(frozen=True)
class McpTool:
    name: str
    description: str | None
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class McpCallResult:
    """A tool's answer: its content parts (as MCP gives them) and whether it is an error."""

    is_error: bool
    parts: tuple[dict[str, Any], ...]
    structured: dict[str, Any] | None


class _Connection:
    """A session held open by a task until closed or broken."""

    def __init__(self, spec: McpServerSpec) -> None:
        self.spec = spec
        self.ready: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.closing = asyncio.Event()
        self.task = asyncio.create_task(self._hold(), name=f"mcp:{spec.server_name}")

    @property
    def alive(self) -> bool:
        return not self.task.done() and not self.closing.is_set()

    async def _hold(self) -> None:
        from mcp import ClientSession

        try:
            async with AsyncExitStack() as stack:
                read, write = await stack.enter_async_context(_transport(self.spec))
                session = await stack.enter_async_context(ClientSession(read, write))
                await session.initialize()
                self.ready.set_result(session)
                await self.closing.wait()
        except BaseException as error:  # the session's end, whatever ended it
            if not self.ready.done():
                self.ready.set_exception(McpUnavailable(_describe(error)))
            if not isinstance(error, Exception | asyncio.CancelledError):
                raise

    async def close(self) -> None:
        self.closing.set()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), timeout=5)
        except TimeoutError:
            self.task.cancel()
        except asyncio.CancelledError:
            self.task.cancel()
            raise


def _transport(spec: McpServerSpec) -> AbstractAsyncContextManager[Any]:
    """The `mcp` transport for this server: a context manager giving its (read, write)."""
    if spec.server_type == "stdio":
        from mcp import StdioServerParameters, stdio_client

        assert spec.command is not None
        parameters = StdioServerParameters(command=spec.command, args=list(spec.args), env=spec.env)
        return stdio_client(parameters)
    assert spec.server_url is not None
    if spec.server_type == "sse":
        from mcp.client.sse import sse_client

        return sse_client(spec.server_url, headers=spec.headers)
    return _streamable_http(spec.server_url, spec.headers)


@asynccontextmanager
async def _streamable_http(url: str, headers: dict[str, str]) -> AsyncIterator[Any]:
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client  # the SDK's own timeouts

    async with (
        create_mcp_http_client(headers=headers) as client,
        streamable_http_client(url, http_client=client) as streams,
    ):
        yield streams


def _describe(error: BaseException) -> str:
    """An error's text, unwrapping the exception groups anyio task groups raise."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"


def _connection_lost(error: Exception) -> bool:
    """Whether a failed request means the session is gone (so a new one may succeed), rather
    than an answer the server gave."""
    from mcp import MCPError
    from mcp_types import CONNECTION_CLOSED, INVALID_REQUEST

    if isinstance(error, MCPError):
        return error.code in (CONNECTION_CLOSED, INVALID_REQUEST)
    return True


class McpConnections:
    """The app's MCP sessions, by server id."""

    def __init__(self, *, call_timeout: float, connect_timeout: float) -> None:
        self.call_timeout = call_timeout
        self.connect_timeout = connect_timeout
        self.connections: dict[str, _Connection] = {}
        self.connecting: dict[str, asyncio.Lock] = {}

    async def _connected(self, spec: McpServerSpec) -> _Connection:
        """The server's connection, opened (or opened again after a change) when needed."""
        lock = self.connecting.setdefault(spec.server_id, asyncio.Lock())
        async with lock:
            current = self.connections.get(spec.server_id)
            if current is not None and (
                not current.alive or current.spec.fingerprint() != spec.fingerprint()
            ):
                await self._drop(spec.server_id)
                current = None
            if current is None:
                current = self.connections[spec.server_id] = _Connection(spec)
        try:
            await asyncio.wait_for(asyncio.shield(current.ready), self.connect_timeout)
            return current
        except (TimeoutError, McpUnavailable) as error:
            await self._drop(spec.server_id, current)
            if isinstance(error, McpUnavailable):
                raise
            raise McpUnavailable(f"no answer within {self.connect_timeout:g} s") from None

    async def _drop(self, server_id: str, connection: _Connection | None = None) -> None:
        current = self.connections.get(server_id)
        if current is not None and (connection is None or current is connection):
            del self.connections[server_id]
            await current.close()

    async def _with_session(
        self, spec: McpServerSpec, request: Callable[[Any], Awaitable[Result]]
    ) -> Result:
        """`request` on the server's session; after a lost connection, once more on a new one."""
        connection = await self._connected(spec)
        try:
            return await request(connection.ready.result())
        except Exception as error:
            if not _connection_lost(error):
                raise
            logger.info(
                "MCP server %s: connection lost (%s); reconnecting",
                spec.server_name,
                _describe(error),
            )
            await self._drop(spec.server_id, connection)  # not one another call opened since
        return await request((await self._connected(spec)).ready.result())

    async def list_tools(self, spec: McpServerSpec) -> list[McpTool]:
        async def request(session: Any) -> list[McpTool]:
            result = await session.list_tools()
            return [
                McpTool(tool.name, tool.description, dict(tool.input_schema or {}))
                for tool in result.tools
            ]

        try:
            async with asyncio.timeout(self.call_timeout):
                return await self._with_session(spec, request)
        except TimeoutError:
            raise McpUnavailable(f"no tool list within {self.call_timeout:g} s") from None
        except McpUnavailable:
            raise
        except Exception as error:
            raise McpUnavailable(_describe(error)) from error

    async def call_tool(
        self, spec: McpServerSpec, name: str, arguments: dict[str, Any]
    ) -> McpCallResult:
        """The tool's answer; McpUnavailable when the server is unreachable or too slow."""

        async def request(session: Any) -> McpCallResult:
            result = await session.call_tool(name, arguments)
            return McpCallResult(
                is_error=bool(result.is_error),
                parts=tuple(part.model_dump(exclude_none=True) for part in result.content),
                structured=result.structured_content,
            )

        try:
            async with asyncio.timeout(self.call_timeout):
                return await self._with_session(spec, request)
        except TimeoutError:
            raise McpUnavailable(
                f"the MCP server did not answer within {self.call_timeout:g} s"
            ) from None

    async def forget(self, server_id: str) -> None:
        """Close the server's session (it was changed or deleted)."""
        await self._drop(server_id)

    async def close(self) -> None:
        for server_id in list(self.connections):
            await self._drop(server_id)
