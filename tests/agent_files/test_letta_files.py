"""Files shaped as Letta writes them (1.x `AgentFileSchema`, 0.x legacy single-agent files),
written by hand to the documented shape: what carries over, and what is refused by name."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from letta_client import Letta

from tests.agent_files.helpers import row_counts, upload
from tests.factories import SEED_MODEL, call_directive

FIXTURES = Path(__file__).parent / "fixtures"


def letta_file(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def import_document(http: httpx.Client, document: Any, **form: Any) -> httpx.Response:
    return http.post("/v1/agents/import", **upload(json.dumps(document), **form))


def test_two_agents_sharing_a_block_with_custom_builtin_and_mcp_tools(
    client: Letta, http: httpx.Client
) -> None:
    response = import_document(
        http, letta_file("letta_1x_team.af"), secrets='{"WEATHER_KEY": "k-1"}'
    )
    assert response.status_code == 200, response.text
    planner_id, executor_id = response.json()["agent_ids"]
    planner, executor = client.agents.retrieve(planner_id), client.agents.retrieve(executor_id)
    assert (planner.name, executor.name) == ("planner_copy", "executor_copy")
    assert planner.model == "openai/gpt-4o-mini" and planner.llm_config.context_window == 32000
    assert planner.llm_config.temperature == 0.7 and planner.timezone == "Europe/Paris"
    shared = {b.label: b.id for b in planner.memory.blocks}["project"]
    assert {b.label: b.id for b in executor.memory.blocks}["project"] == shared
    client.blocks.update(shared, value="Trip to Porto in June")
    assert client.agents.blocks.retrieve("project", agent_id=executor_id).value == (
        "Trip to Porto in June"
    )
    assert {t.name: t.tool_type for t in planner.tools} == {
        "send_message": "letta_core",
        "conversation_search": "letta_core",
        "get_weather": "custom",
        "search_docs": "external_mcp",
    }
    assert {s.key: s.value for s in planner.secrets} == {"WEATHER_KEY": "k-1"}
    [server] = [s for s in http.get("/v1/mcp-servers/").json() if s["server_name"] == "docs"]
    assert server["server_url"] == "https://mcp.example.com/mcp"

    messages = client.agents.messages.list(planner_id, limit=100, order="asc")
    kinds = [m.message_type for m in messages]
    assert "reasoning_message" in kinds and "tool_call_message" in kinds
    assert "approval_request_message" in kinds and "approval_response_message" in kinds
    returns = [m for m in messages if m.message_type == "tool_return_message"]
    assert [r.status for r in returns] == ["success", "error"]
    # Out of the context window in the file: kept as recall, outside the window here.
    in_context = client.agents.retrieve(planner_id).message_ids
    [noted] = [m for m in messages if getattr(m, "content", None) == "Noted: 900 euros."]
    assert noted.id not in in_context and len(in_context) == 8
    found = client.agents.messages.create(
        planner_id, input=call_directive("conversation_search", query="900 euros")
    )
    assert "Our budget is 900 euros" in found.messages[-1].content


def test_the_same_file_twice_reuses_tools_and_servers(http: httpx.Client) -> None:
    document = letta_file("letta_1x_team.af")
    first = import_document(http, document, append_copy_suffix="false")
    before = row_counts(http)
    second = import_document(http, document, append_copy_suffix="false")
    assert first.status_code == second.status_code == 200, second.text
    after = row_counts(http)
    assert after["tools"] == before["tools"] and after["mcp_servers"] == before["mcp_servers"]
    assert after["agents"] == before["agents"] + 2
    assert after["blocks"] == before["blocks"] + 3


def test_legacy_memgpt_agent_from_letta_0x(client: Letta, http: httpx.Client) -> None:
    response = import_document(http, letta_file("letta_0x_legacy.af"), name="sam_here")
    assert response.status_code == 200, response.text
    [agent_id] = response.json()["agent_ids"]
    agent = client.agents.retrieve(agent_id)
    assert agent.name == "sam_here" and agent.agent_type == "letta_v1_agent"
    assert agent.model == "openai/gpt-4o-mini" and agent.llm_config.context_window == 16000
    assert agent.embedding == "openai/text-embedding-3-small"
    assert {b.label: b.value for b in agent.memory.blocks}["human"] == "Name: Robin"
    assert [t.name for t in agent.tools] == ["send_message"]
    assert agent.tags == ["legacy"]
    messages = client.agents.messages.list(agent_id, limit=100, order="asc")
    assert any(m.message_type == "tool_call_message" for m in messages)
    reply = client.agents.messages.create(agent_id, input="What is my name?")
    assert reply.messages[-1].content == "Your name is Robin."


def test_llm_config_without_handle_and_string_content(client: Letta, http: httpx.Client) -> None:
    document = letta_file("letta_1x_team.af")
    planner = document["agents"][0]
    planner["agent_type"] = "memgpt_v2_agent"
    planner["llm_config"] = {
        "model": "gpt-4o",
        "model_endpoint_type": "openai",
        "context_window": 8000,
    }
    planner["messages"][1]["content"] = "Our budget is 900 euros, remember that"
    response = import_document(http, {**document, "agents": [planner]})
    assert response.status_code == 200, response.text
    agent = client.agents.retrieve(response.json()["agent_ids"][0])
    assert agent.model == "openai/gpt-4o" and agent.llm_config.context_window == 8000
    texts = [
        m.content for m in client.agents.messages.list(agent.id) if m.message_type == "user_message"
    ]
    assert "Our budget is 900 euros, remember that" in texts


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"agent_type": "sleeptime_agent"}, "sleeptime_agent"),
        ({"agent_type": "voice_convo_agent"}, "voice_convo_agent"),
        ({"group_ids": ["group-0"]}, "groups"),
        ({"source_ids": ["source-0"]}, "refers to sources not in the file: ['source-0']"),
    ],
)
def test_unsupported_agent_features_are_named(
    http: httpx.Client, change: dict[str, Any], named: str
) -> None:
    document = letta_file("letta_1x_team.af")
    document["agents"][0].update(change)
    before = row_counts(http)
    response = import_document(http, document)
    assert response.status_code == 400
    assert named in response.json()["detail"]
    assert row_counts(http) == before


@pytest.mark.parametrize("tool_type", ["external_composio", "external_langchain"])
def test_tool_types_lettalite_does_not_run(http: httpx.Client, tool_type: str) -> None:
    document = letta_file("letta_1x_team.af")
    document["tools"][1].update(tool_type=tool_type, name="open_files")
    before = row_counts(http)
    response = import_document(http, document)
    assert response.status_code == 400
    assert tool_type in response.json()["detail"] and "open_files" in response.json()["detail"]
    assert row_counts(http) == before


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ([{"id": "file-0", "source_id": "source-9"}], "refers to source source-9"),
        ([{"id": "file-0"}], "source_id"),
        ([{"id": "file-0", "source_id": "source-0", "file_size": -1}], "file_size"),
    ],
)
def test_a_malformed_files_section_is_refused_whole(
    http: httpx.Client, files: list, problem: str
) -> None:
    document = letta_file("letta_1x_team.af")
    document["sources"] = [{"id": "source-0", "name": "docs", "embedding_config": None}]
    document["files"] = files
    document["agents"][0]["source_ids"] = ["source-0"]
    before = row_counts(http)
    folders = len(http.get("/v1/folders/").json())
    response = import_document(http, document)
    assert response.status_code == 400
    assert problem in response.json()["detail"]
    assert row_counts(http) == before
    assert len(http.get("/v1/folders/").json()) == folders


def test_a_model_this_server_cannot_serve(client: Letta, http: httpx.Client) -> None:
    document = letta_file("letta_1x_team.af")
    document["agents"][0]["llm_config"]["handle"] = "anthropic/claude-sonnet-4-5"
    before = row_counts(http)
    refused = import_document(http, document)
    assert refused.status_code == 400
    detail = refused.json()["detail"]
    assert "anthropic/claude-sonnet-4-5" in detail and "'anthropic' is not configured" in detail
    assert "`model`" in detail
    assert row_counts(http) == before

    overridden = import_document(http, document, model=SEED_MODEL)
    assert overridden.status_code == 200, overridden.text
    agent = client.agents.retrieve(overridden.json()["agent_ids"][0])
    assert agent.model == SEED_MODEL


def test_an_embedding_model_this_server_cannot_serve(http: httpx.Client) -> None:
    document = letta_file("letta_0x_legacy.af")
    document["embedding_config"]["embedding_endpoint_type"] = "letta"
    document["embedding_config"]["embedding_model"] = "letta-free"
    refused = import_document(http, document)
    assert refused.status_code == 400 and "letta/letta-free" in refused.json()["detail"]
    assert "`embedding`" in refused.json()["detail"]
    accepted = import_document(http, document, embedding="openai/text-embedding-3-small")
    assert accepted.status_code == 200, accepted.text


def test_override_existing_tools(http: httpx.Client) -> None:
    document = letta_file("letta_1x_team.af")
    document["tools"][1]["source_code"] = document["tools"][1]["source_code"].replace(
        "Sunny", "Foggy"
    )
    assert import_document(http, document).status_code == 200

    def weather_source() -> str:
        [tool] = http.get("/v1/tools/", params={"name": "get_weather"}).json()
        return tool["source_code"]

    assert "Foggy" in weather_source()
    document["tools"][1]["source_code"] = document["tools"][1]["source_code"].replace(
        "Foggy", "Rainy"
    )
    kept = import_document(http, document, override_existing_tools="false")
    assert kept.status_code == 200 and "Foggy" in weather_source()
    assert import_document(http, document).status_code == 200
    assert "Rainy" in weather_source()


def test_mcp_server_secrets_stay_out_of_an_export(client: Letta, http: httpx.Client) -> None:
    document = letta_file("letta_1x_team.af")
    document["mcp_servers"][0]["server_name"] = "private_docs"
    document["tools"][2]["metadata_"]["mcp"]["server_name"] = "private_docs"
    document["tools"][2]["name"] = document["tools"][2]["json_schema"]["name"] = "private_search"
    document["agents"] = document["agents"][:1]
    [agent_id] = import_document(http, document).json()["agent_ids"]
    [server] = [
        s for s in http.get("/v1/mcp-servers/").json() if s["server_name"] == "private_docs"
    ]
    patched = http.patch(
        f"/v1/mcp-servers/{server['id']}",
        json={"config": {"mcp_server_type": "streamable_http", "auth_token": "tok-very-secret"}},
    )
    assert patched.status_code == 200, patched.text

    text = client.agents.export_file(agent_id)

    assert "tok-very-secret" not in text
    exported = json.loads(text)
    assert exported["mcp_servers"] == [
        {
            "id": "mcp_server-0",
            "server_type": "streamable_http",
            "server_name": "private_docs",
            "server_url": "https://mcp.example.com/mcp",
            "stdio_config": None,
            "metadata_": {},
        }
    ]
    [tool] = [t for t in exported["tools"] if t["name"] == "private_search"]
    assert tool["metadata_"]["mcp"] == {"server_name": "private_docs", "server_id": "mcp_server-0"}


def test_archival_passages_are_embedded_again_unless_their_vectors_fit(
    client: Letta, http: httpx.Client
) -> None:
    document = letta_file("letta_1x_team.af")
    kept_vector = [0.5] * 64  # as long as the scripted provider's vectors
    document["agents"][0]["passages"] = [
        {"id": "passage-0", "text": "The ferry leaves at nine", "tags": ["travel"]},
        {
            "id": "passage-1",
            "text": "Budget is tight",
            "embedding_model": "openai/text-embedding-3-large",
            "embedding": [0.1, 0.2, 0.3],
        },
        {
            "id": "passage-2",
            "text": "Kept as it was",
            "embedding_model": "openai/text-embedding-3-small",
            "embedding": kept_vector,
        },
        {
            "id": "passage-4",
            "text": "Too long a vector",
            "embedding_model": "openai/text-embedding-3-small",
            "embedding": [0.5] * 1536,
        },
    ]
    document["agents"][1]["embedding_config"] = None
    document["agents"][1]["passages"] = [{"id": "passage-3", "text": "No vector here"}]
    response = import_document(http, document)
    assert response.status_code == 200, response.text
    planner_id, executor_id = response.json()["agent_ids"]

    passages = {p.text: p for p in client.agents.passages.list(planner_id)}
    assert len(passages) == 4
    assert all(
        p.embedding_config.handle == "openai/text-embedding-3-small" for p in passages.values()
    )
    assert passages["The ferry leaves at nine"].tags == ["travel"]
    exported = json.loads(client.agents.export_file(planner_id))["agents"][0]["passages"]
    vectors = {p["text"]: p["embedding"] for p in exported}
    assert vectors["Kept as it was"] == kept_vector
    assert all(len(vector) == len(kept_vector) for vector in vectors.values())
    for text in ("The ferry leaves at nine", "Budget is tight", "Too long a vector"):
        assert vectors[text] != kept_vector
        hits = client.agents.passages.search(planner_id, query=text)
        assert hits.results[0].content == text
    [plain] = client.agents.passages.list(executor_id)
    assert plain.text == "No vector here" and plain.embedding_config is None


def test_an_embedding_provider_refusing_a_passage_stores_nothing(http: httpx.Client) -> None:
    document = letta_file("letta_1x_team.af")
    document["agents"][0]["passages"] = [{"id": "passage-0", "text": "refused [[error 400]]"}]
    before = row_counts(http)
    response = import_document(http, document)
    assert response.status_code == 400
    assert "refused the text" in response.json()["detail"]
    assert row_counts(http) == before
