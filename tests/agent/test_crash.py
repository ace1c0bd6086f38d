"""A server killed in the middle of a turn: after a restart the agent is intact."""

import threading
import time
from dataclasses import replace
from pathlib import Path

from letta_client import Letta

from tests.callback_receiver import callback_receiver
from tests.factories import SEED_HUMAN, create_seed_agent, wait_for
from tests.servers import LettaliteServer, free_port

LEASE_SECONDS = 2


def test_kill_9_mid_turn_then_restart(start_server) -> None:  # noqa: ANN001
    crashable: LettaliteServer = start_server(LETTALITE_TURN_LEASE_SECONDS=str(LEASE_SECONDS))
    client = Letta(base_url=crashable.url, _strict_response_validation=True, max_retries=0)
    agent = create_seed_agent(client)
    client.agents.messages.create(agent_id=agent.id, input="hello before the crash")
    # A turn that edits memory, then hangs in its second model call.
    run = client.agents.messages.create_async(
        agent.id,
        input='[[call memory_insert {"label": "human", "new_string": "Likes: tea"}]]'
        ' [[call memory_insert {"label": "human", "new_string": "x"}]]'
        " [[sleep 30 1]]",
    )
    while len(list(client.runs.steps.list(run.id))) < 1:
        time.sleep(0.05)

    crashable.stop(kill=True)
    crashable.start()

    # The run is marked failed once its lease lapses; nothing is left dangling.
    deadline = time.monotonic() + LEASE_SECONDS * 5
    while client.runs.retrieve(run.id).status == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    failed = client.runs.retrieve(run.id)
    assert (failed.status, failed.stop_reason) == ("failed", "error")
    assert "stopped" in failed.metadata["error"]
    # The completed first step is kept whole; no tool call lacks its result.
    human = client.agents.blocks.retrieve("human", agent_id=agent.id).value
    assert human == SEED_HUMAN + "\nLikes: tea"
    history = list(client.agents.messages.list(agent.id, order="asc"))
    calls = [m.tool_call.tool_call_id for m in history if m.message_type == "tool_call_message"]
    returns = [m.tool_call_id for m in history if m.message_type == "tool_return_message"]
    assert calls == returns
    after = client.agents.messages.create(agent_id=agent.id, input="still there?")
    assert after.stop_reason.stop_reason == "end_turn"


def _background_run_killed_mid_turn(crashable: LettaliteServer, callback_url: str) -> str:
    """A background run with a callback whose server is killed while the model answers."""
    client = Letta(base_url=crashable.url, max_retries=0)
    agent = create_seed_agent(client)
    run = client.agents.messages.create_async(
        agent.id, input="[[sleep 30]] hello", callback_url=callback_url
    )
    while client.runs.retrieve(run.id).status != "running":
        time.sleep(0.05)
    crashable.stop(kill=True)
    return run.id


def test_a_killed_background_run_calls_back_once_across_replicas(
    start_server,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    crashable: LettaliteServer = start_server(
        LETTALITE_TURN_LEASE_SECONDS=str(LEASE_SECONDS),
        LETTALITE_CALLBACK_ALLOWED_HOSTS="127.0.0.1",
    )
    replica = replace(crashable, workdir=tmp_path / "replica", port=free_port(), process=None)
    with callback_receiver() as receiver:
        run_id = _background_run_killed_mid_turn(crashable, receiver.url)
        # Two replicas of the restarted server sweep the same database.
        starting = [threading.Thread(target=server.start) for server in (crashable, replica)]
        try:
            for thread in starting:
                thread.start()
            for thread in starting:
                thread.join()
            [body] = wait_for(lambda: receiver.bodies, timeout=LEASE_SECONDS * 10)
            # Both replicas sweep again meanwhile; a second callback would arrive by then.
            time.sleep(LEASE_SECONDS * 2)
        finally:
            replica.stop()
    assert len(receiver.bodies) == 1
    assert (body["run_id"], body["status"], body["stop_reason"]) == (run_id, "failed", "error")
    assert body["result"]["stop_reason"]["stop_reason"] == "error"
    client = Letta(base_url=crashable.url, max_retries=0)
    run = client.runs.retrieve(run_id)
    assert (run.callback_status_code, run.callback_error) == (204, None)


def test_a_callback_is_checked_again_when_it_is_sent(start_server) -> None:  # noqa: ANN001
    crashable: LettaliteServer = start_server(
        LETTALITE_TURN_LEASE_SECONDS=str(LEASE_SECONDS),
        LETTALITE_CALLBACK_ALLOWED_HOSTS="127.0.0.1",
    )
    with callback_receiver() as receiver:
        run_id = _background_run_killed_mid_turn(crashable, receiver.url)
        del crashable.extra_env["LETTALITE_CALLBACK_ALLOWED_HOSTS"]  # allowed no longer
        crashable.start()
        client = Letta(base_url=crashable.url, max_retries=0)
        run = wait_for(
            lambda: (r := client.runs.retrieve(run_id)).callback_error and r,
            timeout=LEASE_SECONDS * 10,
        )
    assert (run.status, run.callback_status_code) == ("failed", None)
    assert run.callback_error == (
        "The callback could not be delivered (the destination is not allowed)"
    )
    assert receiver.bodies == []
