"""Conversations, client-side tools and approvals through the official TypeScript SDK.

Each test runs one scenario of tests/sdk/ts/conversations.mjs or approvals.mjs (the scripts
assert on what the SDK returns) and then checks the server's state over HTTP and what the
scripted model was sent.
"""

import json
from typing import Any

import httpx

from tests.fake_llm.script import human_block, messages_of, read_turn
from tests.sdk.scripts import TS_DIR, run_script
from tests.servers import FakeLLM, LettaliteServer

PENDING = (
    "CONFLICT: Cannot send a new message: The agent is waiting for approval on a tool call. "
    "Please approve or deny the pending request before continuing."
)
DENIED = "Error: request to call tool denied. User reason: "
CANCELLED = "The user cancelled the request, so the tool call was denied."


def run_scenario(script: str, server: LettaliteServer, scenario: str) -> dict[str, Any]:
    assert (TS_DIR / "node_modules" / "@letta-ai").exists(), "run `make test` to npm ci the TS SDK"
    lines = run_script(["node", script, server.url, scenario], TS_DIR)
    return json.loads(lines[-1])


def model_requests(fake_llm: FakeLLM, agent_id: str) -> list[dict[str, Any]]:
    """The agent's turn requests to the model (not its summaries), oldest first."""
    return [
        body
        for body in fake_llm.chat_requests()
        if body.get("tools") and f"AGENT_ID: {agent_id}" in str(messages_of(body)[0]["content"])
    ]


def tools_offered(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {tool["function"]["name"]: tool["function"] for tool in body["tools"]}


def tool_results(body: dict[str, Any]) -> dict[str, str]:
    return {m["tool_call_id"]: m["content"] for m in messages_of(body) if m["role"] == "tool"}


def last_user_text(body: dict[str, Any]) -> str:
    return read_turn(messages_of(body)).user_text


# conversations.mjs


def test_conversation_lifecycle(server: LettaliteServer, http: httpx.Client) -> None:
    result = run_scenario("conversations.mjs", server, "lifecycle")
    listed = http.get("/v1/conversations/", params={"agent_id": result["agent_id"]}).json()
    assert {c["id"] for c in listed} == set(result["kept"])
    assert http.get(f"/v1/conversations/{result['deleted']}").status_code == 404
    assert http.get(f"/v1/blocks/{result['deleted_block']}").status_code == 404
    run = http.get(f"/v1/runs/{result['stream_run_id']}").json()
    assert (run["status"], run["stop_reason"]) == ("completed", "end_turn")
    kinds = ["ping", "assistant_message", "stop_reason", "usage_statistics"]
    assert result["stream_kinds"] == kinds
    assert result["compacted"]["after"] < result["compacted"]["before"]
    errors = result["errors"]
    assert errors["idleCancel"]["detail"].startswith("CONFLICT: No active runs to cancel")
    assert errors["badLabel"]["detail"].startswith("INVALID_ARGUMENT: Block with label 'nope'")


def test_runs_know_their_conversation(server: LettaliteServer, http: httpx.Client) -> None:
    result = run_scenario("conversations.mjs", server, "runs")
    run = http.get(f"/v1/runs/{result['run_one']}").json()
    assert run["conversation_id"] == result["conversation_id"]


def test_default_conversation_through_agent_id(server: LettaliteServer, http: httpx.Client) -> None:
    result = run_scenario("conversations.mjs", server, "default")
    agent_id = result["agent_id"]
    default = http.get(
        f"/v1/agents/{agent_id}/messages", params={"conversation_id": "default", "order": "asc"}
    ).json()
    users = [
        m["content"]
        for m in default
        if m["message_type"] == "user_message" and not m["content"].startswith("[Summary")
    ]
    assert users == ["hello default", "streamed default", "older path form"]
    listed = http.get("/v1/conversations/", params={"agent_id": agent_id}).json()
    assert {c["id"] for c in listed} == {result["named_id"], result["fork_id"]}


def test_memory_edits_reach_every_conversation_but_isolated_copies(
    server: LettaliteServer, http: httpx.Client, fake_llm: FakeLLM
) -> None:
    result = run_scenario("conversations.mjs", server, "memory")
    agent_id = result["agent_id"]
    human = http.get(f"/v1/agents/{agent_id}/core-memory/blocks/human").json()
    assert human["value"] == "Name: Bob"
    assert http.get(f"/v1/blocks/{result['isolated_block_id']}").json()["value"] == "Name: Alice"
    # What the model saw when asked for the name: shared, isolated, default, fork, isolated, shared.
    seen = [
        human_block(messages_of(body)[0]["content"])
        for body in model_requests(fake_llm, agent_id)
        if last_user_text(body) == "what is my name"
    ]
    assert seen == [
        "Name: User",
        "Name: Bob",
        "Name: Alice",
        "Name: Bob",
        "Name: Alice",
        "Name: Alice",
        "Name: Bob",
    ]


def test_resume_a_stream_by_run_otid_or_active_run(
    server: LettaliteServer, http: httpx.Client
) -> None:
    result = run_scenario("conversations.mjs", server, "resume")
    for run_id in (result["run_id"], result["slow_run_id"]):
        assert http.get(f"/v1/runs/{run_id}").json()["status"] == "completed"
    assert result["noActive"] == {
        "detail": "INVALID_ARGUMENT: No active runs found for this conversation."
    }


def test_active_conversation_refuses_delete_and_cancels(
    server: LettaliteServer, http: httpx.Client
) -> None:
    result = run_scenario("conversations.mjs", server, "active")
    run = http.get(f"/v1/runs/{result['run_id']}").json()
    assert (run["status"], run["stop_reason"]) == ("cancelled", "cancelled")
    assert result["run_id"] in result["refused"]["detail"]
    assert http.get(f"/v1/runs/{result['run_id']}").json()["agent_id"] == result["agent_id"]


def test_second_send_waits_for_the_running_turn(server: LettaliteServer) -> None:
    result = run_scenario("conversations.mjs", server, "busy-wait")
    assert result["first_run_id"].startswith("run-")


def test_busy_conversation_answers_409_with_the_running_run(start_server) -> None:  # noqa: ANN001
    impatient = start_server(LETTALITE_TURN_WAIT_SECONDS="1")
    result = run_scenario("conversations.mjs", impatient, "busy-conflict")
    holder = result["holder_run_id"]
    for refusal in (result["streamed"], result["json"]):
        assert refusal["run_id"] == holder
        assert refusal["detail"].startswith("CONFLICT: Cannot send a new message: ")
        assert f"(run_id={holder}) is currently being processed" in refusal["detail"]


def test_cancel_also_stops_a_send_waiting_for_its_turn(server: LettaliteServer) -> None:
    # Every run the cancel reports as "cancelled" must end cancelled (the script asserts it).
    result = run_scenario("conversations.mjs", server, "cancel-queued")
    assert all(status == "cancelled" for status in result["run_statuses_after"].values())


# approvals.mjs


def test_client_tool_round_trip_like_letta_code(
    server: LettaliteServer, http: httpx.Client, fake_llm: FakeLLM
) -> None:
    result = run_scenario("approvals.mjs", server, "client-tool")
    paused = http.get(f"/v1/runs/{result['paused_run_id']}").json()
    assert (paused["status"], paused["stop_reason"]) == ("completed", "requires_approval")
    answered = http.get(f"/v1/runs/{result['answer_run_id']}").json()
    assert answered["stop_reason"] == "end_turn"

    ask, answer, thanks = model_requests(fake_llm, result["agent_id"])
    offered = tools_offered(ask)["exec_command"]
    assert offered["description"] == "Runs a shell command and returns its output."
    assert offered["parameters"]["required"] == ["cmd"]
    assert offered["parameters"]["properties"]["cmd"]["type"] == "string"
    calls = [m for m in messages_of(answer) if m["role"] == "assistant" and m.get("tool_calls")]
    assert calls[-1]["tool_calls"][0]["id"] == result["call_id"]
    assert calls[-1]["tool_calls"][0]["function"]["name"] == "exec_command"
    returned = json.loads(tool_results(answer)[result["call_id"]])
    assert (returned["status"], returned["message"]) == ("OK", "file1\nfile2")
    # Client tools live on the request that offers them: the plain message after has none.
    assert "exec_command" not in tools_offered(thanks)


def test_denied_client_tool_reaches_the_model_as_an_error(
    server: LettaliteServer, fake_llm: FakeLLM
) -> None:
    result = run_scenario("approvals.mjs", server, "deny")
    bodies = model_requests(fake_llm, result["agent_id"])
    denial = next(
        tool_results(body)[result["denied_call_id"]]
        for body in bodies
        if result["denied_call_id"] in tool_results(body)
    )
    assert json.loads(denial)["status"] == "Failed"
    assert json.loads(denial)["message"] == DENIED + "not allowed"


def test_approval_errors(server: LettaliteServer, http: httpx.Client) -> None:
    result = run_scenario("approvals.mjs", server, "errors")
    errors = result["errors"]
    assert errors["nothingPending"]["detail"].startswith(
        "Cannot process approval response: No tool call is currently awaiting approval."
    )
    for name in ("wrongJson", "extra", "partial"):
        assert errors[name]["detail"].startswith("Invalid tool call IDs. Expected '[")
    assert errors["wrongStream"]["message"].startswith("Invalid tool call IDs. Expected '[")
    assert errors["empty"]["detail"] == (
        "Invalid approval response. Approval response message does not contain any approvals."
    )
    assert errors["newMessageJson"] == {"detail": PENDING}
    assert errors["newMessageStream"]["message"] == PENDING
    assert errors["defaultRoute"] == {"detail": PENDING}
    assert errors["agentsRoute"]["detail"]["message"] == PENDING
    # The refused requests left the conversation's history as the answers made it.
    history = http.get(
        f"/v1/conversations/{result['conversation_id']}/messages", params={"order": "asc"}
    ).json()
    users = [m["content"] for m in history if m["message_type"] == "user_message"]
    assert "are you there?" not in users


def test_cancel_denies_a_pending_approval(server: LettaliteServer, http: httpx.Client) -> None:
    result = run_scenario("approvals.mjs", server, "cancel-pending")
    history = http.get(
        f"/v1/conversations/{result['conversation_id']}/messages", params={"order": "asc"}
    ).json()
    kinds = [m["message_type"] for m in history]
    assert kinds[2:4] == ["approval_request_message", "tool_return_message"]
    assert kinds.count("tool_return_message") == 1
    assert history[3]["tool_return"] == DENIED + CANCELLED
    assert history[-2]["content"] == "after the cancel"


def test_fork_of_a_paused_conversation_waits_on_its_own_copy(server: LettaliteServer) -> None:
    result = run_scenario("approvals.mjs", server, "fork-pending")
    assert result["fork_id"] != result["conversation_id"]


def test_client_tool_beside_and_shadowing_server_tools(
    server: LettaliteServer, fake_llm: FakeLLM
) -> None:
    result = run_scenario("approvals.mjs", server, "mixed")
    ask, answer = model_requests(fake_llm, result["agent_id"])
    names = [tool["function"]["name"] for tool in ask["tools"]]
    assert names.count("conversation_search") == 1
    assert tools_offered(ask)["conversation_search"]["description"].startswith("Client-side")
    results = tool_results(answer)
    assert json.loads(results[result["client_call_id"]])["message"] == "client search result"
    assert json.loads(results[result["server_call_id"]])["status"] == "OK"


def test_sdk_update_approval_sets_the_rule(server: LettaliteServer) -> None:
    # client.agents.tools.updateApproval(name, {agent_id, body_requires_approval}) as 1.12.1
    # sends it: body {"body_requires_approval": true}, or {} with ?requires_approval=true.
    result = run_scenario("approvals.mjs", server, "update-approval")
    assert all(outcome["ok"] for outcome in result["outcomes"].values())


def test_server_tool_requiring_approval_runs_once_approved(
    server: LettaliteServer, http: httpx.Client, fake_llm: FakeLLM
) -> None:
    result = run_scenario("approvals.mjs", server, "server-tool")
    agent = http.get(f"/v1/agents/{result['agent_id']}").json()
    assert [r for r in agent["tool_rules"] or [] if r["type"] == "requires_approval"] == []
    blocks = {block["label"]: block["value"] for block in agent["memory"]["blocks"]}
    assert blocks["human"] == "Name: Finn"
    bodies = model_requests(fake_llm, result["agent_id"])
    approved = next(b for b in bodies if result["call_id"] in tool_results(b))
    assert json.loads(tool_results(approved)[result["call_id"]])["status"] == "OK"
    denials = [
        json.loads(content)["message"]
        for body in bodies
        for content in tool_results(body).values()
        if DENIED in content
    ]
    assert DENIED + "keep Carol" in denials
