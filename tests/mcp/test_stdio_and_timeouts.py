"""A stdio MCP server started by lettalite itself, per-call timeouts, and a hanging server
that does not hold up turns that use another one."""

import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from letta_client import Letta

from tests.factories import call_directive as call
from tests.factories import create_seed_agent
from tests.mcp.conftest import DEMO_SERVER, HttpMcpServer, unique_prefix

CALL_TIMEOUT_SECONDS = 6
SECRET = "stdio-secret-value-42"


def tool_returns(response: Any) -> list[Any]:
    return [m for m in response.messages if m.message_type == "tool_return_message"]


def sdk(server: Any) -> Letta:
    return Letta(base_url=server.url, _strict_response_validation=True, max_retries=0)


def register_stdio(client: Letta, prefix: str) -> tuple[str, dict[str, str]]:
    """The server's id and its tools' ids by name."""
    server = client.mcp_servers.create(
        server_name=f"local-{prefix}",
        config={
            "mcp_server_type": "stdio",
            "command": sys.executable,
            "args": [str(DEMO_SERVER), "stdio", prefix],
            "env": {"DEMO_SECRET": SECRET},
        },
    )
    assert server.mcp_server_type == "stdio" and server.env == {"DEMO_SECRET": "stdi…"}
    return server.id, {tool.name: tool.id for tool in client.mcp_servers.tools.list(server.id)}


def test_a_stdio_server_is_reused_across_turns_and_restarted_when_it_dies(start_server) -> None:
    client = sdk(start_server(LETTALITE_MCP_ALLOW_STDIO="true"))
    prefix = unique_prefix()
    _, ids = register_stdio(client, prefix)
    wanted = [ids[f"{prefix}_pid"], ids[f"{prefix}_secret"], ids[f"{prefix}_add"]]
    agent = create_seed_agent(client, tool_ids=wanted)

    def result(name: str, **arguments: object) -> Any:
        response = client.agents.messages.create(agent_id=agent.id, input=call(name, **arguments))
        [returned] = tool_returns(response)
        return returned

    first, second = result(f"{prefix}_pid"), result(f"{prefix}_pid")
    assert first.status == second.status == "success"
    assert first.tool_return == second.tool_return  # one process, one session, two turns
    assert f"env={SECRET}" in result(f"{prefix}_secret").tool_return
    assert result(f"{prefix}_add", a=20, b=22).tool_return == "42"
    os.kill(int(first.tool_return), signal.SIGKILL)  # the server dies between turns
    third = result(f"{prefix}_pid")
    assert third.status == "success" and third.tool_return != first.tool_return


def test_a_hanging_tool_times_out_without_holding_up_another_server(
    start_server, tmp_path: Path
) -> None:
    client = sdk(
        start_server(
            LETTALITE_MCP_ALLOW_STDIO="true",
            LETTALITE_MCP_TIMEOUT_SECONDS=str(CALL_TIMEOUT_SECONDS),
        )
    )
    slow_prefix = unique_prefix()
    slow_id, slow = register_stdio(client, slow_prefix)
    fast_server = HttpMcpServer(log=tmp_path / "mcp.log")
    fast_server.start()
    try:
        created = client.mcp_servers.create(
            server_name=f"fast-{fast_server.prefix}",
            config={"mcp_server_type": "streamable_http", "server_url": fast_server.url},
        )
        fast = {tool.name: tool.id for tool in client.mcp_servers.tools.list(created.id)}
        hanging = create_seed_agent(client, tool_ids=[slow[f"{slow_prefix}_hang"]])
        quick = create_seed_agent(client, tool_ids=[fast[fast_server.tool("add")]])
        with ThreadPoolExecutor(1) as pool:
            started = time.monotonic()
            pending = pool.submit(
                client.agents.messages.create,
                agent_id=hanging.id,
                input=call(f"{slow_prefix}_hang", seconds=60),
            )
            time.sleep(0.5)  # the hanging call is under way
            answer = client.agents.messages.create(
                agent_id=quick.id, input=call(fast_server.tool("add"), a=1, b=1)
            )
            assert tool_returns(answer)[0].tool_return == "2"
            assert not pending.done()  # answered while the other server still hangs
            [timed_out] = tool_returns(pending.result(timeout=60))
        elapsed = time.monotonic() - started
    finally:
        fast_server.stop()
    assert timed_out.status == "error"
    assert f"did not answer within {CALL_TIMEOUT_SECONDS} s" in timed_out.tool_return
    assert CALL_TIMEOUT_SECONDS <= elapsed < CALL_TIMEOUT_SECONDS + 20
    # The server that hung still answers the next call.
    ran = client.mcp_servers.tools.run(
        slow[f"{slow_prefix}_add"], mcp_server_id=slow_id, args={"a": 2, "b": 2}
    )
    assert ran.status == "success" and ran.func_return == "4"
