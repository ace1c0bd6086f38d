import httpx
from letta_client import Letta

from tests.factories import create_seed_agent, missing_id

ALL_TOOLS = {
    "conversation_search",
    "memory_replace",
    "memory_insert",
    "memory_rethink",
    "memory",
    "core_memory_append",
    "core_memory_replace",
    "archival_memory_insert",
    "archival_memory_search",
    "send_message",
    "run_code",
    "web_search",
    "fetch_webpage",
    "open_files",
    "grep_files",
    "semantic_search_files",
}


def test_tool_catalogue_lists_every_builtin_with_its_schema(client: Letta) -> None:
    tools = {tool.name: tool for tool in client.tools.list(return_only_letta_tools=True)}
    assert set(tools) == ALL_TOOLS
    replace = tools["memory_replace"].json_schema
    assert replace["parameters"]["required"] == ["label", "old_string", "new_string"]
    assert client.tools.retrieve(tools["memory"].id).name == "memory"
    search = tools["archival_memory_search"]
    assert search.tool_type == "letta_core"
    assert search.json_schema["parameters"]["required"] == ["query"]
    assert tools["grep_files"].tool_type == "letta_files_core"


def test_agent_tools_attach_and_detach_by_id(client: Letta) -> None:
    agent = create_seed_agent(client)
    rethink = next(t for t in client.tools.list(name="memory_rethink"))
    attached = client.agents.tools.attach(rethink.id, agent_id=agent.id)
    assert "memory_rethink" in {t.name for t in attached.tools}
    assert "memory_rethink" in {t.name for t in client.agents.tools.list(agent.id)}
    detached = client.agents.tools.detach(rethink.id, agent_id=agent.id)
    assert "memory_rethink" not in {t.name for t in detached.tools}


def test_unknown_tool_id_is_404(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    url = f"/v1/agents/{agent.id}/tools/attach/{missing_id('tool')}"
    response = http.patch(url)
    assert response.status_code == 404
    assert missing_id("tool") in response.json()["detail"]
