"""archival_memory_insert and archival_memory_search as the model calls them in a turn, with
and without an embedding model."""

import json

import pytest
from letta_client import Letta

from tests.factories import call_directive as call
from tests.factories import create_seed_agent
from tests.servers import FakeLLM

EMBEDDING = "openai/text-embedding-3-small"
ARCHIVAL_TOOLS = ["archival_memory_insert", "archival_memory_search"]


@pytest.fixture(params=[None, EMBEDDING], ids=["full-text", "embedding"])
def agent_id(request: pytest.FixtureRequest, client: Letta) -> str:
    extra = {"embedding": request.param} if request.param else {}
    return create_seed_agent(client, tools=ARCHIVAL_TOOLS, **extra).id


def tool_returns(client: Letta, agent_id: str, text: str) -> list:
    response = client.agents.messages.create(agent_id=agent_id, input=text)
    assert response.stop_reason.stop_reason == "end_turn"
    return [m for m in response.messages if m.message_type == "tool_return_message"]


def test_the_model_stores_and_finds_a_passage(client: Letta, agent_id: str) -> None:
    [stored] = tool_returns(
        client,
        agent_id,
        call("archival_memory_insert", content="The user's locker code is 4471", tags=["gym"]),
    )
    assert stored.status == "success"
    [passage] = client.agents.passages.list(agent_id)
    assert passage.text == "The user's locker code is 4471" and passage.tags == ["gym"]

    [found] = tool_returns(
        client, agent_id, call("archival_memory_search", query="locker code", tags=["gym"])
    )
    assert found.status == "success"
    [hit] = json.loads(found.tool_return)
    assert hit["id"] == passage.id
    assert hit["content"] == "The user's locker code is 4471"
    assert hit["tags"] == ["gym"]


def test_the_model_finds_passages_stored_over_rest(client: Letta, agent_id: str) -> None:
    for text in ["Flight AZ 610 leaves at nine", "The dentist moved to Elm Street"]:
        client.agents.passages.create(agent_id, text=text)
    [found] = tool_returns(
        client, agent_id, call("archival_memory_search", query="dentist Elm Street", top_k=1)
    )
    assert [hit["content"] for hit in json.loads(found.tool_return)] == [
        "The dentist moved to Elm Street"
    ]


def test_the_next_prompt_shows_the_archival_count(
    client: Letta, agent_id: str, fake_llm: FakeLLM
) -> None:
    tool_returns(client, agent_id, call("archival_memory_insert", content="first note"))
    fake_llm.clear()
    client.agents.messages.create(agent_id=agent_id, input="hello again")
    system_prompt = fake_llm.chat_requests()[0]["messages"][0]["content"]
    assert "- Passages stored in archival memory: 1\n" in system_prompt


@pytest.mark.parametrize(
    ("status", "problem"), [(401, "failed"), (400, "refused the text")], ids=["401", "400"]
)
def test_a_failing_embedding_model_is_a_tool_error(
    client: Letta, status: int, problem: str
) -> None:
    agent = create_seed_agent(client, tools=ARCHIVAL_TOOLS, embedding=EMBEDDING)
    [result] = tool_returns(
        client, agent.id, call("archival_memory_insert", content=f"secret [[error {status}]]")
    )
    assert result.status == "error"
    assert f"The embedding model openai/text-embedding-3-small {problem}" in result.tool_return
    assert client.agents.passages.list(agent.id) == []


def test_one_step_embeds_all_its_archival_texts_in_one_call_first(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client, tools=ARCHIVAL_TOOLS, embedding=EMBEDDING)
    fake_llm.clear()
    calls = " ".join(
        [
            call("archival_memory_insert", content="The boat is called Petrel"),
            call("archival_memory_insert", content="The mooring is at pier 9"),
            call("archival_memory_search", query="boat name"),
            "[[parallel]]",
        ]
    )
    results = tool_returns(client, agent.id, calls)
    assert [r.status for r in results] == ["success"] * 3
    embedded = [
        r["body"]["input"] for r in fake_llm.requests() if r["path"].endswith("/embeddings")
    ]
    # One provider call, made before the step's transaction opened (no lock held meanwhile).
    assert embedded == [["The boat is called Petrel", "The mooring is at pier 9", "boat name"]]
    assert len(client.agents.passages.list(agent.id)) == 2


def test_nul_characters_from_the_model_are_dropped(client: Letta, agent_id: str) -> None:
    [result] = tool_returns(
        client, agent_id, call("archival_memory_insert", content="nul\u0000here", tags=["a\u0000b"])
    )
    assert result.status == "success"
    [passage] = client.agents.passages.list(agent_id)
    assert (passage.text, passage.tags) == ("nulhere", ["ab"])


@pytest.mark.parametrize(
    ("directive", "problem"),
    [
        (call("archival_memory_insert", content="  "), "content is empty"),
        (call("archival_memory_insert", content="x", tags=[""]), "Tags must not be empty"),
        (call("archival_memory_search", query="x", top_k=0), "Invalid top_k 0"),
        (
            call("archival_memory_search", query="x", tag_match_mode="most"),
            "must be one of 'any', 'all'",
        ),
        (
            call("archival_memory_search", query="x", start_datetime="last week"),
            "Invalid start_datetime 'last week'",
        ),
    ],
)
def test_bad_arguments_are_tool_errors(
    client: Letta, agent_id: str, directive: str, problem: str
) -> None:
    [result] = tool_returns(client, agent_id, directive)
    assert result.status == "error"
    assert problem in result.tool_return
    assert client.agents.passages.list(agent_id) == []


def test_archival_tools_are_not_attached_by_default(client: Letta, fake_llm: FakeLLM) -> None:
    agent = create_seed_agent(client, embedding=EMBEDDING)
    assert not set(ARCHIVAL_TOOLS) & {tool.name for tool in agent.tools}
    fake_llm.clear()
    [result] = tool_returns(client, agent.id, call("archival_memory_search", query="x"))
    assert result.status == "error"
    assert "Tool 'archival_memory_search' is not attached to this agent" in result.tool_return
    # Nothing was embedded for a call that could not run.
    assert not [r for r in fake_llm.requests() if r["path"].endswith("/embeddings")]


def test_a_refused_insert_leaves_the_rest_of_the_step_intact(client: Letta) -> None:
    agent = create_seed_agent(client, tools=ARCHIVAL_TOOLS, embedding=EMBEDDING)
    calls = " ".join(
        [
            call("archival_memory_insert", content="too much [[error 400]]"),
            call("memory_replace", label="human", old_string="Name: User", new_string="Name: Ana"),
            "[[parallel]]",
        ]
    )
    refused, edited = tool_returns(client, agent.id, calls)
    assert (refused.status, edited.status) == ("error", "success")
    assert client.agents.passages.list(agent.id) == []
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value.startswith("Name: Ana")
