"""`model_settings` on agents and conversations: folded onto `llm_config` as Letta folds them
(omitted fields take their defaults, `max_output_tokens` only when sent) and sent to each
provider in its own terms."""

import httpx
from letta_client import Letta

from tests.factories import call_directive
from tests.servers import FakeAnthropic, FakeGemini, FakeLLM


def last_chat(fake_llm: FakeLLM) -> dict:
    return fake_llm.chat_requests()[-1]


def patch_settings(http: httpx.Client, agent_id: str, settings: dict) -> dict:
    response = http.patch(f"/v1/agents/{agent_id}", json={"model_settings": settings})
    assert response.status_code == 200, response.text
    return response.json()


def test_openai_settings_reach_the_request_and_omitted_fields_reset(
    client: Letta, http: httpx.Client, fake_llm: FakeLLM
) -> None:
    agent = client.agents.create(model="openai/gpt-4o-mini")
    state = patch_settings(
        http,
        agent.id,
        {
            "provider_type": "openai",
            "temperature": 0.3,
            "parallel_tool_calls": False,
            "max_output_tokens": 512,
        },
    )
    config = state["llm_config"]
    assert (config["temperature"], config["parallel_tool_calls"], config["max_tokens"]) == (
        0.3,
        False,
        512,
    )
    assert state["model_settings"]["reasoning"] == {"reasoning_effort": "high"}
    client.agents.messages.create(agent.id, input="Hello!")
    sent = last_chat(fake_llm)
    assert (sent["temperature"], sent["parallel_tool_calls"], sent["max_completion_tokens"]) == (
        0.3,
        False,
        512,
    )
    assert "reasoning_effort" not in sent  # gpt-4o-mini does not reason

    # What Letta Code sends: the temperature goes back to its default, the length stays.
    state = patch_settings(http, agent.id, {"provider_type": "openai", "parallel_tool_calls": True})
    assert (state["llm_config"]["temperature"], state["llm_config"]["max_tokens"]) == (0.7, 512)
    client.agents.messages.create(agent.id, input="Hello!")
    sent = last_chat(fake_llm)
    assert (sent["temperature"], "parallel_tool_calls" in sent) == (0.7, False)
    assert client.agents.retrieve(agent.id).api_model_settings.temperature == 0.7


def test_a_reasoning_model_gets_its_effort_and_no_temperature(
    client: Letta, http: httpx.Client, fake_llm: FakeLLM
) -> None:
    agent = client.agents.create(model="openai/o4-mini")
    state = patch_settings(
        http, agent.id, {"provider_type": "openai", "reasoning": {"reasoning_effort": "low"}}
    )
    assert state["llm_config"]["reasoning_effort"] == "low"
    client.agents.messages.create(agent.id, input="Hello!")
    sent = last_chat(fake_llm)
    assert sent["reasoning_effort"] == "low" and "temperature" not in sent


def test_gemini_thinking_budget_and_anthropic_single_calls(
    client: Letta,
    http: httpx.Client,
    fake_gemini: FakeGemini,
    fake_anthropic: FakeAnthropic,
) -> None:
    gemini = client.agents.create(model="google_ai/gemini-2.5-flash")
    patch_settings(
        http,
        gemini.id,
        {
            "provider_type": "google_ai",
            "thinking_config": {"include_thoughts": False, "thinking_budget": 2048},
        },
    )
    client.agents.messages.create(gemini.id, input="Hello!")
    config = fake_gemini.generate_requests()[-1]["generationConfig"]
    assert config["thinkingConfig"] == {"includeThoughts": False, "thinkingBudget": 2048}
    assert config["temperature"] == 0.7

    claude = client.agents.create(model="anthropic/claude-haiku-4-5")
    patch_settings(http, claude.id, {"provider_type": "anthropic", "parallel_tool_calls": False})
    client.agents.messages.create(claude.id, input="Hello!")
    sent = fake_anthropic.messages_requests()[-1]
    assert sent["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    # Letta's default for Anthropic is extended thinking (1024 tokens), which takes no
    # temperature.
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert "temperature" not in sent


def test_a_conversation_has_settings_of_its_own(
    client: Letta, http: httpx.Client, fake_llm: FakeLLM
) -> None:
    agent = client.agents.create(model="openai/gpt-4o-mini")
    patch_settings(http, agent.id, {"provider_type": "openai", "temperature": 0.9})
    created = http.post(
        "/v1/conversations/",
        params={"agent_id": agent.id},
        json={"model_settings": {"provider_type": "openai", "temperature": 0.1}},
    )
    assert created.status_code == 200, created.text
    assert created.json()["model_settings"]["temperature"] == 0.1
    list(client.conversations.messages.create(created.json()["id"], input="Hello!"))
    assert last_chat(fake_llm)["temperature"] == 0.1
    client.agents.messages.create(agent.id, input="Hello!")
    assert last_chat(fake_llm)["temperature"] == 0.9


def test_bad_settings_are_refused_and_nothing_changes(client: Letta, http: httpx.Client) -> None:
    agent = client.agents.create(model="openai/gpt-4o-mini", name="settled")
    for bad in (
        {"provider_type": "openai", "temperature": 5},
        {"provider_type": "openai", "reasoning": {"reasoning_effort": "extreme"}},
        {"temperature": 0.5},
    ):
        response = http.patch(
            f"/v1/agents/{agent.id}", json={"model_settings": bad, "name": "renamed"}
        )
        assert response.status_code == 422, response.text
        assert "model_settings" in str(response.json()["detail"])
    after = client.agents.retrieve(agent.id)
    assert (after.name, after.api_model_settings) == ("settled", None)


def test_tool_calls_still_run_one_at_a_time_when_asked(
    client: Letta, http: httpx.Client, fake_llm: FakeLLM
) -> None:
    agent = client.agents.create(model="openai/gpt-4o-mini")
    patch_settings(http, agent.id, {"provider_type": "openai", "parallel_tool_calls": False})
    call = call_directive("conversation_search", query="anything")
    response = client.agents.messages.create(agent.id, input=f"{call} Look it up.")
    assert [m.message_type for m in response.messages].count("tool_return_message") == 1
    assert fake_llm.chat_requests()[-1]["parallel_tool_calls"] is False
