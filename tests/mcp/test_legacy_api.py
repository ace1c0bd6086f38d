"""The older `/v1/tools/mcp/servers` API, keyed by server name, over the same servers."""

import httpx

from tests.mcp.conftest import HttpMcpServer


def test_add_list_live_tools_resync_and_delete_by_name(
    http: httpx.Client, http_mcp: HttpMcpServer
) -> None:
    name = f"legacy-{http_mcp.prefix}"
    config = {
        "server_name": name,
        "type": "streamable_http",
        "server_url": http_mcp.url,
        "auth_header": "Authorization",
        "auth_token": "legacy-token-secret",
    }
    added = http.put("/v1/tools/mcp/servers", json=config)
    assert added.status_code == 200, added.text
    [mine] = [c for c in added.json() if c["server_name"] == name]
    assert mine["type"] == "streamable_http" and mine["auth_token"] == "lega…"
    assert http.get("/v1/tools/mcp/servers/").json()[name]["server_url"] == http_mcp.url

    live = http.get(f"/v1/tools/mcp/servers/{name}/tools").json()
    add = next(tool for tool in live if tool["name"] == http_mcp.tool("add"))
    assert add["inputSchema"]["required"] == ["a", "b"]
    resynced = http.post(f"/v1/tools/mcp/servers/{name}/resync").json()
    assert resynced == {"deleted": [], "updated": [], "added": []}  # stored when added

    remaining = http.delete(f"/v1/tools/mcp/servers/{name}")
    assert remaining.status_code == 200
    assert name not in {c["server_name"] for c in remaining.json()}
    assert http.get(f"/v1/tools/mcp/servers/{name}/tools").status_code == 404


def test_stdio_through_the_older_api_is_refused_by_default(http: httpx.Client) -> None:
    config = {"server_name": "legacy-local", "type": "stdio", "command": "true", "args": []}
    refused = http.put("/v1/tools/mcp/servers", json=config)
    assert refused.status_code == 400 and "LETTALITE_MCP_ALLOW_STDIO" in refused.text
