from letta_client import Letta

from tests.factories import create_seed_agent
from tests.servers import LettaliteServer


def test_everything_survives_a_restart(client: Letta, server: LettaliteServer) -> None:
    agent = create_seed_agent(client, tags=["keep"])
    client.agents.blocks.update("human", agent_id=agent.id, value="Name: Restarted")
    shared = client.blocks.create(label="shared", value="v1")
    client.agents.blocks.attach(shared.id, agent_id=agent.id)
    before = client.agents.retrieve(agent.id)

    server.restart()

    after = client.agents.retrieve(agent.id)
    assert after.model_dump() == before.model_dump()
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value == "Name: Restarted"
    assert client.blocks.retrieve(shared.id).value == "v1"
    tool_ids_before = {t.name: t.id for t in before.tools}
    assert {t.name: t.id for t in client.tools.list()} | tool_ids_before == {
        t.name: t.id for t in client.tools.list()
    }
