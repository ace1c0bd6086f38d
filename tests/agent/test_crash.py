"""A server killed in the middle of a turn: after a restart the agent is intact."""

import time

from letta_client import Letta

from tests.factories import SEED_HUMAN, create_seed_agent
from tests.servers import LettaliteServer

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
