"""Tools of MCP servers: each call goes to its server over the app's long-lived session, before
the step's transaction opens, so a slow server holds no lock and delays no other tool."""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from lettalite.agent.toolbox import McpToolRef, PreparedCall, ToolOutcome, ToolScope, failure
from lettalite.mcp_client import McpCallResult, McpConnections, McpServerSpec, McpUnavailable
from lettalite.tools.custom import error_text

EMPTY_RESPONSE = "Empty response from tool"

# The server's connection settings, decrypted; LookupError when it was deleted.
SpecLoader = Callable[[str], Awaitable[McpServerSpec]]


class McpToolExecutor:
    """One tool of one MCP server."""

    in_transaction = False

    def __init__(self, ref: McpToolRef, connections: McpConnections, load: SpecLoader) -> None:
        self.ref = ref
        self.connections = connections
        self.load = load

    def check(self, name: str, arguments: dict[str, Any]) -> dict[str, Any] | ToolOutcome:
        return arguments  # the MCP server validates against the schema it declared

    async def execute(self, call: PreparedCall, scope: ToolScope) -> ToolOutcome:
        return await call_mcp_tool(self.ref, call.arguments, self.connections, self.load)


async def call_mcp_tool(
    ref: McpToolRef, arguments: dict[str, Any], connections: McpConnections, load: SpecLoader
) -> ToolOutcome:
    """The tool's result as the model reads it; failures of any kind become tool errors."""
    name = ref.tool_name
    try:
        spec = await load(ref.server_id)
    except LookupError:
        return failure(error_text(name, f"its MCP server {ref.server_id} no longer exists"))
    try:
        result = await connections.call_tool(spec, name, arguments)
    except McpUnavailable as error:
        return failure(error_text(name, f"MCP server '{spec.server_name}' unavailable: {error}"))
    except Exception as error:  # the server refused the request (bad arguments, unknown tool)
        return failure(error_text(name, f"{type(error).__name__}: {error}"))
    return mcp_outcome(result)


def mcp_outcome(result: McpCallResult) -> ToolOutcome:
    """Text parts joined with a space (as Letta does), structured content as JSON when there is
    no text, images kept as image parts, other parts as their JSON."""
    texts: list[str] = []
    images: list[dict[str, Any]] = []
    for part in result.parts:
        if part.get("type") == "text":
            texts.append(part.get("text", ""))
        elif part.get("type") == "image":
            images.append(_image(part))
        else:
            texts.append(json.dumps(part, ensure_ascii=False))
    if not texts and result.structured is not None:
        texts.append(json.dumps(result.structured, ensure_ascii=False))
    if not texts:
        texts.append(f"[{len(images)} image(s) returned]" if images else EMPTY_RESPONSE)
    status = "error" if result.is_error else "success"
    return ToolOutcome(status=status, message=" ".join(texts), images=tuple(images))


def _image(part: dict[str, Any]) -> dict[str, Any]:
    media_type = part.get("mime_type") or part.get("mimeType") or "image/png"
    source = {"type": "base64", "media_type": media_type, "data": part.get("data", "")}
    return {"type": "image", "source": source}
