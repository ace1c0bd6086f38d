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


def test_agents_filter_by_last_stop_reason(client: Letta) -> None:
    agent = create_seed_agent(client)
    client.agents.messages.create(agent.id, input="hello")
    idle = create_seed_agent(client)
    ended = {a.id for a in client.agents.list(last_stop_reason="end_turn", limit=1000)}
    assert agent.id in ended and idle.id not in ended


def test_blocks_filter_by_text_tags_and_attached_agents(client: Letta) -> None:
    mark = uuid.uuid4().hex[:8]
    plain = client.blocks.create(label=f"plain_{mark}", value="nothing", description="Spare")
    tea = client.blocks.create(label=f"tea_{mark}", value=f"Likes TEA {mark}", tags=[mark, "t"])
    both = client.blocks.create(label=f"both_{mark}", value="-", tags=[mark, "t", "u"])
    create_seed_agent(client, block_ids=[tea.id])

    def ids(**filters: object) -> list[str]:
        return [block.id for block in client.blocks.list(limit=1000, **filters)]

    assert ids(label_search=f"TEA_{mark}") == [tea.id]
    assert ids(value_search=f"tea {mark}") == [tea.id]
    assert ids(description_search="spare", label_search=mark) == [plain.id]
    assert ids(tags=[mark]) == [tea.id, both.id]
    assert ids(tags=[mark, "u"], match_all_tags=True) == [both.id]
    assert ids(label_search=mark, connected_to_agents_count_eq=1) == [tea.id]
    assert ids(label_search=mark, connected_to_agents_count_lt=1) == [plain.id, both.id]
    assert ids(label_search=mark, connected_to_agents_count_gt=0) == [tea.id]
