"""Clients of MCP servers: long-lived sessions, one per server, made with the official `mcp`
package (imported lazily, so a server that never uses MCP never loads it)."""

from lettalite.mcp_client.connections import (
    McpCallResult,
    McpConnections,
    McpServerSpec,
    McpUnavailable,
)

__all__ = ["McpCallResult", "McpConnections", "McpServerSpec", "McpUnavailable"]
