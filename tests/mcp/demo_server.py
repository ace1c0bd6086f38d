"""An MCP server for the tests, written with the official `mcp` package.

    python demo_server.py stdio PREFIX
    python demo_server.py http PREFIX PORT      (streamable HTTP, at /mcp)
    python demo_server.py sse PREFIX PORT       (SSE, at /sse)

Its tools are named `<PREFIX>_<tool>` so tests sharing one lettalite server never collide
(tool names are unique per server, as in Letta).
"""

import asyncio
import os
import sys

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image

# A 1x1 transparent PNG.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def build(prefix: str) -> MCPServer:
    server = MCPServer("lettalite-tests")

    @server.tool(name=f"{prefix}_add")
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool(name=f"{prefix}_pid")
    def pid() -> str:
        """The id of the process serving this call."""
        return str(os.getpid())

    @server.tool(name=f"{prefix}_secret")
    def secret(ctx: Context) -> str:
        """What the server was given: its DEMO_SECRET variable and the request's headers."""
        headers = dict(ctx.headers or {})
        shown = {key: headers.get(key) for key in ("authorization", "x-team")}
        return f"env={os.environ.get('DEMO_SECRET')} headers={shown}"

    @server.tool(name=f"{prefix}_hang")
    async def hang(seconds: float) -> str:
        """Sleep, then answer."""
        await asyncio.sleep(seconds)
        return "woke up"

    @server.tool(name=f"{prefix}_fail")
    def fail() -> str:
        """Always fails."""
        raise ToolError("the demo tool failed on purpose")

    @server.tool(name=f"{prefix}_pixel")
    def pixel() -> Image:
        """A tiny image."""
        return Image(data=PIXEL, format="png")

    return server


if __name__ == "__main__":
    transport, prefix = sys.argv[1], sys.argv[2]
    if transport == "stdio":
        build(prefix).run()
    elif transport == "sse":
        build(prefix).run("sse", host="127.0.0.1", port=int(sys.argv[3]))
    else:
        build(prefix).run("streamable-http", host="127.0.0.1", port=int(sys.argv[3]))
