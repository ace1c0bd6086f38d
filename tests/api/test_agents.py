import httpx
import pytest
from letta_client import Letta, NotFoundError

from tests.factories import SEED_HUMAN, SEED_PERSONA, agent_body, create_seed_agent, missing_id


def test_seed_agent_has_letta_v1_defaults(client: Letta) -> None:
    agent = create_seed_agent(client)
    assert agent.id.startswith("agent-")
    assert agent.agent_type == "letta_v1_agent"
    assert agent.model == "openai/gpt-4o-mini"
    assert agent.llm_config.model == "gpt-4o-mini"
    assert agent.llm_config.handle == "openai/gpt-4o-mini"
    assert agent.llm_config.context_window == 128000
    assert agent.embedding is None
    assert sorted(tool.name for tool in agent.tools) == [
        "conversation_search",
        "memory_insert",
        "memory_replace",
    ]
    blocks = {block.label: block for block in agent.blocks}
    assert blocks["persona"].value == SEED_PERSONA
    assert blocks["human"].value == SEED_HUMAN
    assert blocks["human"].limit == 100000
    assert blocks["human"].description  # default description for human/persona
    assert [b.label for b in agent.memory.blocks] == ["persona", "human"]
    assert len(agent.message_ids) == 1  # only the system message
    assert agent.system.startswith("<instructions>")


def test_system_message_holds_compiled_memory(client: Letta) -> None:
    agent = create_seed_agent(client)
    [system] = client.agents.messages.list(agent.id, order="asc")
    assert system.message_type == "system_message"
    assert system.id == agent.message_ids[0]
    assert "<memory_blocks>" in system.content
    assert f"<value>\n{SEED_HUMAN}\n</value>" in system.content
    assert "- chars_limit=100000" in system.content
    assert "<memory_metadata>" in system.content


@pytest.mark.parametrize(
    "embedding_config",
    [
        {"embedding_model": "text-embedding-3-large", "embedding_endpoint_type": "openai"},
        {"handle": "openai/text-embedding-3-large", "embedding_dim": 3072},
    ],
)
def test_create_with_an_embedding_config(client: Letta, embedding_config: dict) -> None:
    agent = client.agents.create(model="openai/gpt-4o-mini", embedding_config=embedding_config)
    assert agent.embedding == "openai/text-embedding-3-large"
    assert agent.embedding_config.embedding_dim == 3072
    updated = client.agents.update(
        agent.id, embedding_config={"embedding_model": "text-embedding-3-small"}
    )
    assert updated.embedding == "openai/text-embedding-3-small"


def test_without_an_embedding_model_embedding_config_is_still_an_object(client: Letta) -> None:
    """Letta 0.x clients read `agent.embedding_config.*`; `embedding` says none is in use."""
    agent = client.agents.create(model="openai/gpt-4o-mini")
    assert agent.embedding is None
    assert agent.embedding_config.handle is None
    assert agent.embedding_config.embedding_model == "text-embedding-3-small"


def test_create_with_embedding_and_options(client: Letta) -> None:
    agent = client.agents.create(
        name="options",
        model="openai/gpt-4o",
        embedding="openai/text-embedding-3-small",
        memory_blocks=[
            {
                "label": "notes",
                "value": "",
                "limit": 500,
                "description": "scratch",
                "read_only": True,
                "metadata": {"k": 1},
            }
        ],
        tags=["a", "b"],
        metadata={"team": "x"},
        description="desc",
        system="Be brief.",
        context_window_limit=4000,
        tools=["memory_rethink"],
    )
    assert agent.embedding == "openai/text-embedding-3-small"
    assert agent.embedding_config.embedding_dim == 1536
    assert agent.llm_config.context_window == 4000
    assert agent.tags == ["a", "b"]
    assert agent.metadata == {"team": "x"}
    assert agent.description == "desc"
    assert agent.system == "Be brief."
    [block] = agent.blocks
    assert (block.limit, block.description, block.read_only, block.metadata) == (
        500,
        "scratch",
        True,
        {"k": 1},
    )
    assert "memory_rethink" in {tool.name for tool in agent.tools}


def test_get_update_delete(client: Letta) -> None:
    agent = create_seed_agent(client)
    assert client.agents.retrieve(agent.id).name == "hello_world_assistant"
    updated = client.agents.update(agent.id, name="renamed", tags=["t"], model="openai/gpt-4o")
    assert (updated.name, updated.tags, updated.model) == ("renamed", ["t"], "openai/gpt-4o")
    assert client.agents.retrieve(agent.id).name == "renamed"
    client.agents.delete(agent.id)
    with pytest.raises(NotFoundError):
        client.agents.retrieve(agent.id)


def test_delete_answers_with_a_message(http: httpx.Client) -> None:
    agent_id = http.post("/v1/agents/", json=agent_body()).json()["id"]
    response = http.delete(f"/v1/agents/{agent_id}")
    assert response.status_code == 200
    assert response.json() == {"message": f"Agent id={agent_id} successfully deleted"}


def test_unknown_and_malformed_ids(http: httpx.Client) -> None:
    unknown = http.get(f"/v1/agents/{missing_id('agent')}")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": f"Agent {missing_id('agent')} not found"}
    for bad in ("agent-123", "block-" + missing_id("agent")[6:], "AGENT-x"):
        malformed = http.get(f"/v1/agents/{bad}")
        assert malformed.status_code == 422, bad
        assert "agent_id" in malformed.json()["detail"]


@pytest.mark.parametrize(
    ("overrides", "status", "fragment"),
    [
        ({"model": "gpt-4o-mini"}, 400, "provider/model-name"),
        ({"model": "nosuch/gpt-4o-mini"}, 404, "Handle nosuch/gpt-4o-mini not found"),
        ({"model": None}, 400, "Must specify either model or llm_config"),
        ({"embedding": "openai/nope"}, 400, "Embedding model openai/nope not found"),
        ({"tools": ["no_such_tool"]}, 400, "Tools not found by name"),
        (
            {"memory_blocks": [{"label": "a", "value": "x"}, {"label": "a", "value": "y"}]},
            409,
            "Duplicate block label 'a'",
        ),
        ({"memory_blocks": [{"label": "a", "value": "xyz", "limit": 2}]}, 422, "over its limit"),
        ({"memory_blocks": [{"label": "a"}]}, 422, "memory_blocks.0.value: Field required"),
        ({"memory_blocks": [{"label": "bad label!", "value": ""}]}, 422, "memory_blocks.0.label"),
        ({"agent_type": "memgpt_agent"}, 422, "agent_type"),
    ],
)
def test_create_rejects_bad_input_with_a_clear_detail(
    http: httpx.Client, overrides: dict, status: int, fragment: str
) -> None:
    before = len(http.get("/v1/agents/", params={"limit": 1000}).json())
    response = http.post("/v1/agents/", json=agent_body(**overrides))
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"]
    assert len(http.get("/v1/agents/", params={"limit": 1000}).json()) == before


def test_agent_list_filters(client: Letta) -> None:
    marker = "filter-" + missing_id("x")[-6:]
    first = create_seed_agent(client, name=f"{marker}-one", tags=["red", "big"])
    second = create_seed_agent(client, name=f"{marker}-two", tags=["red"])
    names = lambda page: [a.name for a in page]  # noqa: E731
    assert names(client.agents.list(name=f"{marker}-one")) == [first.name]
    assert set(names(client.agents.list(query_text=marker.upper()))) == {first.name, second.name}
    assert set(names(client.agents.list(tags=["red"], query_text=marker))) == {
        first.name,
        second.name,
    }
    assert names(
        client.agents.list(tags=["red", "big"], match_all_tags=True, query_text=marker)
    ) == [first.name]


def test_agent_pagination_walks_every_agent_once(client: Letta) -> None:
    marker = "page-" + missing_id("x")[-6:]
    created = [create_seed_agent(client, name=f"{marker}-{i}").id for i in range(5)]
    newest_first = [a.id for a in client.agents.list(query_text=marker, limit=2)]
    assert newest_first == created[::-1]  # the SDK followed ?after= until an empty page
    oldest_first = [a.id for a in client.agents.list(query_text=marker, limit=2, order="asc")]
    assert oldest_first == created
    page = client.agents.list(query_text=marker, limit=2, order="asc", before=created[3])
    assert [a.id for a in page.items] == created[1:3]
    assert client.agents.list(query_text=marker, after=missing_id("agent")).items == []
