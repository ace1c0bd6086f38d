"""Agents call custom tools through the scripted model, and users manage them with the
official Python SDK."""

import json
import os
import time

import httpx
import pytest
from letta_client import Letta

from tests.custom_tools.sources import adder, source, unique
from tests.factories import call_directive as call
from tests.factories import create_seed_agent, wait_for


def tool_returns(response) -> list:
    return [m for m in response.messages if m.message_type == "tool_return_message"]


def test_the_sdk_creates_upserts_updates_lists_and_deletes_tools(client: Letta) -> None:
    name = unique("sdk_add")
    tool = client.tools.create(source_code=adder(name), tags=["math"])
    assert tool.name == name and tool.json_schema["parameters"]["required"] == ["a"]
    again = client.tools.upsert(source_code=adder(name), description="Adds two numbers.")
    assert again.id == tool.id and again.description == "Adds two numbers."
    updated = client.tools.update(tool.id, return_char_limit=10, tags=["sums"])
    assert updated.return_char_limit == 10 and updated.tags == ["sums"]
    assert [t.id for t in client.tools.list(name=name)] == [tool.id]
    assert client.tools.retrieve(tool.id).source_code == adder(name)
    client.tools.delete(tool.id)
    assert list(client.tools.list(name=name)) == []


def test_an_agent_calls_a_custom_tool_and_reads_its_result(client: Letta) -> None:
    name = unique("add")
    tool = client.tools.create(source_code=adder(name))
    agent = create_seed_agent(client, tool_ids=[tool.id])
    response = client.agents.messages.create(agent_id=agent.id, input=call(name, a=40))
    [result] = tool_returns(response)
    assert result.status == "success" and result.tool_return == "42"
    assert '"message": "42"' in response.messages[-1].content  # the model read the result
    bad = client.agents.messages.create(agent_id=agent.id, input=call(name, a="forty"))
    [failed] = tool_returns(bad)
    assert failed.status == "error" and "'a'" in failed.tool_return


def test_a_tool_exception_reaches_the_model_as_a_tool_error(client: Letta) -> None:
    name = unique("fails")
    code = source(name, "raise KeyError('missing thing')")
    tool = client.tools.create(source_code=code)
    agent = create_seed_agent(client, tool_ids=[tool.id])
    response = client.agents.messages.create(agent_id=agent.id, input=call(name))
    [result] = tool_returns(response)
    assert result.status == "error"
    assert result.tool_return == (f"Error executing function {name}: KeyError: 'missing thing'")
    assert any("Traceback" in line for line in result.stderr or [])


def test_a_tool_sees_the_agent_its_secrets_and_nothing_of_the_server(
    client: Letta, http: httpx.Client
) -> None:
    name = unique("inspect")
    code = source(
        name,
        """
        import os
        human = agent_state.memory.get_block("human").value
        return {"agent": agent_state.id, "human": human, "env": dict(os.environ)}
        """,
        params="agent_state",
    )
    tool = client.tools.create(source_code=code)
    agent = create_seed_agent(client, tool_ids=[tool.id], secrets={"WEATHER_KEY": "k-123"})
    response = client.agents.messages.create(agent_id=agent.id, input=call(name))
    [result] = tool_returns(response)
    seen = json.loads(result.tool_return)
    assert seen["agent"] == agent.id and seen["human"].startswith("Name: User")
    assert seen["env"]["WEATHER_KEY"] == "k-123"
    leaked = [k for k in seen["env"] if k.startswith(("LETTALITE", "OPENAI"))]
    assert leaked == []


def test_default_requires_approval_pauses_until_approved(client: Letta) -> None:
    name = unique("guarded")
    tool = client.tools.create(source_code=adder(name), default_requires_approval=True)
    agent = create_seed_agent(client, tool_ids=[tool.id])
    assert {"type": "requires_approval", "tool_name": name} in [
        {"type": r.type, "tool_name": r.tool_name} for r in agent.tool_rules
    ]
    paused = client.agents.messages.create(agent_id=agent.id, input=call(name, a=1, b=1))
    assert paused.stop_reason.stop_reason == "requires_approval"
    request = next(m for m in paused.messages if m.message_type == "approval_request_message")
    answered = client.agents.messages.create(
        agent_id=agent.id,
        messages=[
            {
                "type": "approval",
                "approvals": [
                    {
                        "type": "approval",
                        "tool_call_id": request.tool_call.tool_call_id,
                        "approve": True,
                    }
                ],
            }
        ],
    )
    [result] = tool_returns(answered)
    assert result.status == "success" and result.tool_return == "2"


def test_run_an_attached_tool_for_an_agent(client: Letta, http: httpx.Client) -> None:
    name = unique("mult")
    code = source(
        name, "return x * int(os.environ['FACTOR'])", params="x: int", doc_args="x: a number"
    ).replace(f"def {name}", f"import os\n\ndef {name}")
    tool = client.tools.create(source_code=code)
    agent = create_seed_agent(client, tool_ids=[tool.id], secrets={"FACTOR": "3"})
    response = http.post(f"/v1/agents/{agent.id}/tools/{name}/run", json={"args": {"x": 5}})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "success" and response.json()["func_return"] == "15"
    memory = http.post(
        f"/v1/agents/{agent.id}/tools/memory_insert/run",
        json={"args": {"label": "human", "new_string": "Likes tea"}},
    )
    assert memory.json()["status"] == "success"
    assert "Likes tea" in client.agents.blocks.retrieve("human", agent_id=agent.id).value
    older = http.post(
        "/v1/agents/",
        json={
            "model": "openai/gpt-4o-mini",
            "tool_ids": [tool.id],
            "tool_exec_environment_variables": {"FACTOR": "4"},
        },
    ).json()
    by_older_name = http.post(f"/v1/agents/{older['id']}/tools/{name}/run", json={"args": {"x": 5}})
    assert by_older_name.json()["func_return"] == "20"
    missing = http.post(f"/v1/agents/{agent.id}/tools/nope/run", json={"args": {}})
    assert missing.status_code == 404 and "not attached" in missing.json()["detail"]


def test_run_code_and_the_unconfigured_web_tools(client: Letta) -> None:
    agent = create_seed_agent(client, tools=["run_code", "web_search", "fetch_webpage"])
    code = "print(sum(range(10)))"
    response = client.agents.messages.create(
        agent_id=agent.id, input=call("run_code", code=code, language="python")
    )
    [result] = tool_returns(response)
    assert result.status == "success" and result.tool_return == "45\n"
    search = client.agents.messages.create(agent_id=agent.id, input=call("web_search", query="x"))
    [failed] = tool_returns(search)
    assert failed.status == "error" and "not configured" in failed.tool_return


def test_send_message_ends_the_turn_under_letta_base_rules(client: Letta) -> None:
    agent = create_seed_agent(client, include_base_tools=False, tools=["send_message"])
    assert [(r.type, r.tool_name) for r in agent.tool_rules] == [("exit_loop", "send_message")]
    response = client.agents.messages.create(
        agent_id=agent.id, input=call("send_message", message="Hi there")
    )
    assert response.stop_reason.stop_reason == "tool_rule"
    [result] = tool_returns(response)
    assert result.status == "success"
    plain = create_seed_agent(client, tools=["send_message"])  # base tools on: no base rules
    assert plain.tool_rules == []


def test_a_value_nested_deeper_than_the_server_reads_is_a_tool_error(
    client: Letta, http: httpx.Client
) -> None:
    name = unique("deep")
    code = source(name, "value = []\nfor _ in range(980):\n    value = [value]\nreturn value")
    tool = client.tools.create(source_code=code)
    agent = create_seed_agent(client, tool_ids=[tool.id])
    response = client.agents.messages.create(agent_id=agent.id, input=call(name))
    [result] = tool_returns(response)
    assert result.status == "error" and "cannot read" in result.tool_return
    assert response.stop_reason.stop_reason == "end_turn"  # the model read the error
    run = http.post("/v1/tools/run", json={"source_code": code, "args": {}})
    assert run.status_code == 200 and run.json()["status"] == "error"


def test_a_lone_surrogate_in_a_result_is_replaced_not_a_failed_turn(
    client: Letta, http: httpx.Client
) -> None:
    """JSON can carry a lone surrogate, which no response or database can hold."""
    name = unique("odd")
    code = source(name, "return 'bad \\udcff byte'")
    tool = client.tools.create(source_code=code)
    agent = create_seed_agent(client, tool_ids=[tool.id])
    response = client.agents.messages.create(agent_id=agent.id, input=call(name))
    [result] = tool_returns(response)
    assert (result.status, result.tool_return) == ("success", "bad ? byte")
    stored = [m.message_type for m in client.agents.messages.list(agent.id, order="asc")]
    assert stored.count("tool_return_message") == 1
    run = http.post("/v1/tools/run", json={"source_code": code, "args": {}})
    assert run.status_code == 200 and run.json()["tool_return"] == "bad ? byte"


def processes_named(name: str) -> list[str]:
    """Host processes whose command name (`/proc/<pid>/comm`, at most 15 bytes) is `name`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as comm:
                if comm.read().strip() == name:
                    found.append(pid)
        except OSError:
            continue  # it ended meanwhile
    return found


@pytest.mark.parametrize("approved", [False, True])
def test_cancelling_a_turn_stops_the_sandboxed_tool_it_runs(
    client: Letta, http: httpx.Client, approved: bool
) -> None:
    name = unique("nap")
    marker = name[-15:]
    code = source(
        name,
        f"""
        import ctypes, time
        ctypes.CDLL(None).prctl(15, b"{marker}", 0, 0, 0)  # PR_SET_NAME: visible on the host
        time.sleep(60)
        return "rested"
        """,
    )
    tool = client.tools.create(source_code=code, default_requires_approval=approved)
    agent = create_seed_agent(client, tool_ids=[tool.id])
    message: dict = {"role": "user", "content": call(name)}
    if approved:
        paused = client.agents.messages.create(agent_id=agent.id, input=call(name))
        request = next(m for m in paused.messages if m.message_type == "approval_request_message")
        answer = {"type": "approval", "tool_call_id": request.tool_call.tool_call_id}
        message = {"type": "approval", "approvals": [{**answer, "approve": True}]}
    run = http.post(f"/v1/agents/{agent.id}/messages/async", json={"messages": [message]}).json()
    wait_for(lambda: processes_named(marker))
    started = time.monotonic()
    assert client.agents.messages.cancel(agent.id) == {run["id"]: "cancelled"}
    finished = wait_for(lambda: (r := client.runs.retrieve(run["id"])).status != "running" and r)
    assert time.monotonic() - started < 3
    assert (finished.status, finished.stop_reason) == ("cancelled", "cancelled")
    wait_for(lambda: not processes_named(marker), timeout=3)
    stored = [m.message_type for m in client.agents.messages.list(agent.id, order="asc")]
    assert "tool_return_message" not in stored  # the cancelled step left no trace
