"""Unbounded conversations in a bounded window: compaction, summaries and recall."""

import json

import httpx
from letta_client import Letta

from lettalite.agent.compaction import SUMMARY_PREFIX
from lettalite.agent.tokens import estimate_text
from tests.factories import SEED_MODEL, create_seed_agent
from tests.factories import call_directive as call
from tests.servers import FakeLLM

WINDOW = 4000
TURNS = 300


def request_tokens(body: dict) -> int:
    """The server's own estimate of what it sent (it must stay under the window)."""
    return estimate_text(json.dumps(body["messages"])) + estimate_text(json.dumps(body["tools"]))


def summaries(client: Letta, agent_id: str) -> list[str]:
    return [
        m.content
        for m in client.agents.messages.list(agent_id, limit=1000)
        if m.message_type == "user_message" and m.content.startswith(SUMMARY_PREFIX)
    ]


def test_a_long_conversation_stays_in_a_small_window(client: Letta, fake_llm: FakeLLM) -> None:
    agent = create_seed_agent(
        client,
        context_window_limit=WINDOW,
        embedding="openai/text-embedding-3-small",
        tools=["archival_memory_insert", "archival_memory_search"],
    )
    assert agent.llm_config.context_window == WINDOW
    fake_llm.clear()
    largest = 0
    early_facts = {
        3: "My secret code is walnut.",
        4: call("archival_memory_insert", content="The user's locker number is 7731"),
    }
    for turn in range(1, TURNS):
        text = early_facts.get(
            turn, f"Turn {turn}: here is some chatter to fill the window, " + "la " * 40
        )
        response = client.agents.messages.create(agent_id=agent.id, input=text)
        assert response.stop_reason.stop_reason == "end_turn"
        if turn % 50 == 0:
            largest = max(
                [largest, *(request_tokens(r) for r in fake_llm.chat_requests() if r.get("tools"))]
            )
            fake_llm.clear()
    found = client.agents.messages.create(
        agent_id=agent.id,
        input='[[call conversation_search {"query": "secret code", "roles": ["user"]}]]',
    )
    [result] = [m for m in found.messages if m.message_type == "tool_return_message"]
    assert "walnut" in result.tool_return
    found = client.agents.messages.create(
        agent_id=agent.id, input=call("archival_memory_search", query="locker number", top_k=1)
    )
    [result] = [m for m in found.messages if m.message_type == "tool_return_message"]
    assert "7731" in result.tool_return

    compactions = summaries(client, agent.id)
    print(
        f"\n{TURNS} turns, {WINDOW}-token window: {len(compactions)} compactions, "
        f"largest request about {largest} tokens"
    )
    assert len(compactions) >= 3
    assert largest <= WINDOW
    history = list(client.agents.messages.list(agent.id, limit=1000, order="asc"))
    assert len(history) > 2 * TURNS  # evicted messages are still listed


def test_summarize_on_demand_and_context_overview(
    client: Letta, http: httpx.Client, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client)
    for turn in range(6):
        client.agents.messages.create(agent_id=agent.id, input=f"message number {turn}")
    before = http.get(f"/v1/agents/{agent.id}/context").json()
    assert before["num_messages"] == 13 and before["num_recall_memory"] == 0

    compacted = client.agents.messages.compact(agent.id)
    assert compacted.num_messages_after < compacted.num_messages_before == 13
    assert compacted.summary.startswith("Summary: ")

    after = http.get(f"/v1/agents/{agent.id}/context").json()
    assert after["num_messages"] == compacted.num_messages_after
    assert after["num_recall_memory"] > 0
    assert after["summary_memory"].startswith(SUMMARY_PREFIX)
    parts = (
        "num_tokens_system",
        "num_tokens_core_memory",
        "num_tokens_external_memory_summary",
        "num_tokens_summary_memory",
        "num_tokens_functions_definitions",
        "num_tokens_messages",
    )
    assert after["context_window_size_current"] == sum(after[p] for p in parts)
    assert after["context_window_size_max"] == 128000
    # What the 0.x SDK's ContextWindowOverview requires: the metadata section, the tools in
    # OpenAI's shape, and the in-context messages.
    assert after["external_memory_summary"].startswith("<memory_metadata>")
    assert "<memory_metadata>" not in after["core_memory"]
    assert {f["function"]["name"] for f in after["functions_definitions"]} == {
        "conversation_search",
        "memory_insert",
        "memory_replace",
    }
    assert [m["id"] for m in after["messages"]] == client.agents.retrieve(agent.id).message_ids

    fake_llm.clear()
    client.agents.messages.create(agent_id=agent.id, input="and now?")
    [request] = fake_llm.chat_requests()
    assert request["messages"][1]["content"].startswith(SUMMARY_PREFIX)
    assert len(client.agents.retrieve(agent.id).message_ids) == after["num_messages"] + 2


def test_memory_too_large_for_the_window_is_a_clear_error(
    client: Letta, http: httpx.Client
) -> None:
    agent = client.agents.create(
        model=SEED_MODEL,
        context_window_limit=1000,
        memory_blocks=[{"label": "persona", "value": "I talk a lot. " * 400}],
    )
    response = http.post(f"/v1/agents/{agent.id}/messages", json={"input": "hi"})
    assert response.status_code == 400
    assert "1000-token context window" in response.json()["detail"]
    assert [m.message_type for m in client.agents.messages.list(agent.id)] == ["system_message"]
    run = next(iter(client.runs.list(agent_id=agent.id)))
    assert run.stop_reason == "context_window_overflow_in_system_prompt"


def test_the_providers_token_count_corrects_the_estimate(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client, context_window_limit=WINDOW, include_base_tools=False)
    long_text = "Notes about the garden. " * 150  # ~3600 characters: ~1000 estimated tokens
    # The provider counts far more tokens than the local estimate (another language, say).
    client.agents.messages.create(agent_id=agent.id, input=f"[[prompt_tokens 3000]] {long_text}")
    assert summaries(client, agent.id) == []
    reported = http.get(f"/v1/agents/{agent.id}/context").json()["context_window_size_current"]
    assert reported > WINDOW  # the overview counts in provider tokens too

    # By the local estimate alone this request would fit; with the provider's count it does
    # not, so the history is compacted first.
    response = client.agents.messages.create(agent_id=agent.id, input="What did I say?")
    assert response.stop_reason.stop_reason == "end_turn"
    assert len(summaries(client, agent.id)) == 1
