"""MCP servers over streamable HTTP: registered with the official SDK, their tools called by
the scripted model, through restarts and outages."""

import asyncio
from pathlib import Path
from typing import Any

import httpx
from letta_client import Letta
from sqlalchemy import text

from lettalite.db.session import Database
from tests.factories import call_directive as call
from tests.factories import create_seed_agent
from tests.mcp.conftest import HttpMcpServer
from tests.servers import LettaliteServer

TOKEN = "tok-0123456789-secret"
TEAM_KEY = "team-key-abcdef-secret"


def tool_returns(response: Any) -> list[Any]:
    return [m for m in response.messages if m.message_type == "tool_return_message"]


def register(client: Letta, mcp: HttpMcpServer, **config: Any) -> Any:
    return client.mcp_servers.create(
        server_name=f"demo-{mcp.prefix}",
        config={"mcp_server_type": "streamable_http", "server_url": mcp.url, **config},
    )


def tool_ids(client: Letta, server_id: str) -> dict[str, str]:
    return {tool.name: tool.id for tool in client.mcp_servers.tools.list(server_id)}


def test_an_agent_calls_an_mcp_tool_across_a_server_restart(
    client: Letta, http_mcp: HttpMcpServer
) -> None:
    server = register(client, http_mcp)
    assert server.id.startswith("mcp_server-") and server.mcp_server_type == "streamable_http"
    tools = {tool.name: tool for tool in client.mcp_servers.tools.list(server.id)}
    add = tools[http_mcp.tool("add")]
    assert add.tool_type == "external_mcp" and add.tags == [f"mcp:demo-{http_mcp.prefix}"]
    assert add.metadata["mcp"] == {"server_name": f"demo-{http_mcp.prefix}", "server_id": server.id}
    assert add.json_schema["parameters"]["required"] == ["a", "b"]
    assert add.json_schema["parameters"]["properties"]["a"]["type"] == "integer"

    agent = create_seed_agent(client, tool_ids=[add.id, tools[http_mcp.tool("pid")].id])
    response = client.agents.messages.create(agent_id=agent.id, input=call(add.name, a=40, b=2))
    [result] = tool_returns(response)
    assert result.status == "success" and result.tool_return == "42"
    assert '"message": "42"' in response.messages[-1].content  # the model read it

    pid_tool = http_mcp.tool("pid")
    before = tool_returns(client.agents.messages.create(agent_id=agent.id, input=call(pid_tool)))
    http_mcp.stop()
    http_mcp.start()  # same port, a new process that knows nothing of the old session
    after = tool_returns(client.agents.messages.create(agent_id=agent.id, input=call(pid_tool)))
    assert before[0].status == after[0].status == "success"
    assert before[0].tool_return != after[0].tool_return  # really another process
    again = client.agents.messages.create(agent_id=agent.id, input=call(add.name, a=1, b=2))
    assert tool_returns(again)[0].tool_return == "3"


def test_errors_images_and_direct_runs(client: Letta, http_mcp: HttpMcpServer) -> None:
    server = register(client, http_mcp)
    ids = tool_ids(client, server.id)
    ran = client.mcp_servers.tools.run(
        ids[http_mcp.tool("add")], mcp_server_id=server.id, args={"a": 2, "b": 3}
    )
    assert ran.status == "success" and ran.func_return == "5"
    failed = client.mcp_servers.tools.run(ids[http_mcp.tool("fail")], mcp_server_id=server.id)
    assert failed.status == "error" and "failed on purpose" in str(failed.func_return)

    agent = create_seed_agent(
        client, tool_ids=[ids[http_mcp.tool("fail")], ids[http_mcp.tool("pixel")]]
    )
    response = client.agents.messages.create(agent_id=agent.id, input=call(http_mcp.tool("fail")))
    [result] = tool_returns(response)
    assert result.status == "error" and "failed on purpose" in result.tool_return
    response = client.agents.messages.create(agent_id=agent.id, input=call(http_mcp.tool("pixel")))
    [result] = tool_returns(response)
    assert result.status == "success" and "image" in result.tool_return
    tool = client.mcp_servers.tools.retrieve(ids[http_mcp.tool("pixel")], mcp_server_id=server.id)
    assert tool.name == http_mcp.tool("pixel")


def test_refresh_adds_tools_and_a_down_server_answers_502(
    client: Letta, http: httpx.Client, http_mcp: HttpMcpServer
) -> None:
    http_mcp.stop()
    server = register(client, http_mcp)  # registered even though it cannot be reached
    assert list(client.mcp_servers.tools.list(server.id)) == []
    refused = http.patch(f"/v1/mcp-servers/{server.id}/refresh")
    assert refused.status_code == 502
    error = refused.json()["error"]
    assert error["type"] == "mcp_connection_error" and f"demo-{http_mcp.prefix}" in error["detail"]

    http_mcp.start()
    refreshed = http.patch(f"/v1/mcp-servers/{server.id}/refresh")
    assert refreshed.status_code == 200
    assert sorted(refreshed.json()["added"]) == sorted(
        http_mcp.tool(name) for name in ("add", "pid", "secret", "hang", "fail", "pixel")
    )
    assert refreshed.json()["deleted"] == refreshed.json()["updated"] == []
    again = client.mcp_servers.refresh(server.id)
    assert again == {"deleted": [], "updated": [], "added": []}


def test_secrets_are_sent_masked_in_responses_and_encrypted_at_rest(
    client: Letta, http: httpx.Client, server: LettaliteServer, http_mcp: HttpMcpServer
) -> None:
    created = register(
        client,
        http_mcp,
        auth_header="Authorization",
        auth_token=TOKEN,
        custom_headers={"X-Team": TEAM_KEY},
    )
    assert created.auth_token == "tok-…" and created.custom_headers == {"X-Team": "team…"}
    listed = http.get("/v1/mcp-servers/").text
    assert TOKEN not in listed and TEAM_KEY not in listed
    # Custom headers are sent, and the token as a bearer token beside them.
    ids = tool_ids(client, created.id)
    seen = client.mcp_servers.tools.run(ids[http_mcp.tool("secret")], mcp_server_id=created.id)
    assert f"'x-team': '{TEAM_KEY}'" in seen.func_return
    assert f"'authorization': 'Bearer {TOKEN}'" in seen.func_return

    row = asyncio.run(stored_row(server.database_url, created.id))
    assert not any(TOKEN in str(value) or TEAM_KEY in str(value) for value in row.values())
    assert row["sealed_secrets"]


async def stored_row(database_url: str, server_id: str) -> dict[str, Any]:
    database = Database(database_url)
    try:
        async with database.session() as session:
            result = await session.execute(
                text("SELECT * FROM mcp_server WHERE id = :id"), {"id": server_id}
            )
            return dict(result.mappings().one())
    finally:
        await database.dispose()


def test_update_list_agent_view_and_delete(
    client: Letta, http: httpx.Client, http_mcp: HttpMcpServer
) -> None:
    server = register(client, http_mcp)
    renamed = client.mcp_servers.update(
        server.id,
        server_name=f"renamed-{http_mcp.prefix}",
        config={
            "mcp_server_type": "streamable_http",
            "server_url": http_mcp.url,
            "auth_token": TOKEN,
        },
    )
    assert renamed.server_name == f"renamed-{http_mcp.prefix}" and renamed.auth_token == "tok-…"
    assert client.mcp_servers.retrieve(server.id).server_name == renamed.server_name
    assert server.id in {s.id for s in client.mcp_servers.list()}
    ids = tool_ids(client, server.id)
    add = client.tools.retrieve(ids[http_mcp.tool("add")])
    assert add.tags == [f"mcp:renamed-{http_mcp.prefix}"]
    # A config sent back as a response showed it (token masked) keeps the stored token.
    echoed = {"mcp_server_type": "streamable_http", "auth_token": renamed.auth_token}
    client.mcp_servers.update(server.id, config={"server_url": http_mcp.url, **echoed})
    secret = ids[http_mcp.tool("secret")]
    seen = client.mcp_servers.tools.run(secret, mcp_server_id=server.id).func_return
    assert f"'authorization': 'Bearer {TOKEN}'" in seen

    agent = create_seed_agent(client, tool_ids=[add.id])
    other = create_seed_agent(client)
    attached = http.get(f"/v1/agents/{agent.id}/mcp-servers").json()
    assert [s["id"] for s in attached] == [server.id]
    assert http.get(f"/v1/agents/{other.id}/mcp-servers").json() == []

    changed = http.patch(f"/v1/tools/{add.id}", json={"description": "mine now"})
    assert changed.status_code == 400 and "refresh the server" in changed.json()["detail"]
    pid = ids[http_mcp.tool("pid")]
    assert http.delete(f"/v1/tools/{pid}").status_code == 200  # a refresh brings it back
    assert client.mcp_servers.refresh(server.id)["added"] == [http_mcp.tool("pid")]

    client.mcp_servers.delete(server.id)  # 204, which the SDK reads as None
    assert http.get(f"/v1/mcp-servers/{server.id}").status_code == 404
    assert http.get(f"/v1/tools/{add.id}").status_code == 404
    assert add.name not in [t.name for t in client.agents.tools.list(agent.id)]


def test_stdio_is_refused_unless_allowed_and_bad_urls_are_refused(http: httpx.Client) -> None:
    stdio = {"mcp_server_type": "stdio", "command": "true", "args": []}
    refused = http.post("/v1/mcp-servers/", json={"server_name": "local", "config": stdio})
    assert refused.status_code == 400 and "LETTALITE_MCP_ALLOW_STDIO" in refused.json()["detail"]
    for url in ("ftp://127.0.0.1/mcp", "http://169.254.169.254/latest", "not a url"):
        config = {"mcp_server_type": "sse", "server_url": url}
        answer = http.post("/v1/mcp-servers/", json={"server_name": "bad", "config": config})
        assert answer.status_code == 400, (url, answer.text)
    unknown = {"mcp_server_type": "streamable_http", "server_url": "http://x", "extra": 1}
    answer = http.post("/v1/mcp-servers/", json={"server_name": "bad", "config": unknown})
    assert answer.status_code == 422
    assert all(s["server_name"] != "bad" for s in http.get("/v1/mcp-servers/").json())


def test_an_sse_server_works_too(client: Letta, tmp_path: Path) -> None:
    sse = HttpMcpServer(log=tmp_path / "sse.log", transport="sse")
    sse.start()
    try:
        server = client.mcp_servers.create(
            server_name=f"sse-{sse.prefix}",
            config={"mcp_server_type": "sse", "server_url": sse.url},
        )
        assert server.mcp_server_type == "sse"
        ids = tool_ids(client, server.id)
        agent = create_seed_agent(client, tool_ids=[ids[sse.tool("add")]])
        response = client.agents.messages.create(
            agent_id=agent.id, input=call(sse.tool("add"), a=5, b=6)
        )
        assert tool_returns(response)[0].tool_return == "11"
    finally:
        sse.stop()
