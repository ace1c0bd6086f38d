"""SDK parameters the coverage report (tests/sdk/test_sdk_coverage.py) named as ignored:
`runs.list(stop_reason=)`; and `tools.update(metadata=)`, which the SDK sends as `metadata_`."""

import uuid

from letta_client import Letta

from tests.custom_tools.sources import source
from tests.factories import create_seed_agent


def test_runs_filter_by_stop_reason(client: Letta) -> None:
    agent = create_seed_agent(client)
    run_id = client.agents.messages.create(agent.id, input="hello").messages[-1].run_id
    assert [r.id for r in client.runs.list(agent_id=agent.id, stop_reason="end_turn")] == [run_id]
    assert list(client.runs.list(agent_id=agent.id, stop_reason="max_steps")) == []


def test_tool_metadata_round_trips_through_the_sdk(client: Letta) -> None:
    name = f"meta_{uuid.uuid4().hex[:8]}"
    tool = client.tools.create(source_code=source(name, "return 1"))
    updated = client.tools.update(tool.id, metadata={"owner": "ada"})
    assert updated.metadata == {"owner": "ada"}
    assert client.tools.retrieve(tool.id).metadata == {"owner": "ada"}
