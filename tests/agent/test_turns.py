"""Agent turns end to end: real server, scripted LLM over HTTP, official SDK (strict)."""

import json

import httpx
import pytest
from letta_client import Letta

from tests.factories import SEED_HUMAN, create_seed_agent
from tests.servers import FakeLLM

NAME_REQUEST = "My name is Cameron. Please store this information in your memory."


def send(client: Letta, agent_id: str, text: str, **options):
    return client.agents.messages.create(agent_id=agent_id, input=text, **options)


def of_type(response, message_type: str) -> list:
    return [m for m in response.messages if m.message_type == message_type]


def test_seed_turn_stores_the_name_and_the_next_turn_uses_it(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client)
    response = client.agents.messages.create(
        agent_id=agent.id, messages=[{"role": "user", "content": NAME_REQUEST}]
    )

    assert [m.message_type for m in response.messages] == [
        "tool_call_message",
        "tool_return_message",
        "assistant_message",
    ]
    call, result, reply = response.messages
    assert call.tool_call.name == "memory_replace"
    assert json.loads(call.tool_call.arguments) == {
        "label": "human",
        "old_string": "Name: User",
        "new_string": "Name: Cameron",
    }
    assert call.tool_calls[0].tool_call_id == call.tool_call.tool_call_id
    assert result.status == "success"
    assert result.tool_call_id == call.tool_call.tool_call_id
    assert result.tool_return == SEED_HUMAN.replace("User", "Cameron")  # the whole new value
    assert reply.content == "Got it! I've updated my memory with your name, Cameron."
    assert response.stop_reason.stop_reason == "end_turn"
    assert response.usage.step_count == 2
    assert (
        response.usage.total_tokens
        == (response.usage.prompt_tokens + response.usage.completion_tokens)
        > 0
    )
    run_ids = {m.run_id for m in response.messages}
    assert len(run_ids) == 1 and run_ids.pop().startswith("run-")
    for message in response.messages:
        assert message.id.startswith("message-") and message.otid and message.step_id
    assert call.step_id != reply.step_id  # two LLM calls, two steps

    human = client.agents.blocks.retrieve("human", agent_id=agent.id)
    assert human.value == "Name: Cameron\nFirst interaction: Learning about Letta"

    fake_llm.clear()
    answer = send(client, agent.id, "What is my name?")
    assert [m.content for m in of_type(answer, "assistant_message")] == ["Your name is Cameron."]
    [request] = fake_llm.chat_requests()
    system_prompt = request["messages"][0]["content"]
    assert "<value>\nName: Cameron\nFirst interaction: Learning about Letta\n</value>" in (
        system_prompt
    )
    assert [m["role"] for m in request["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
    ]
    assert request["tool_choice"] == "auto"
    assert {t["function"]["name"] for t in request["tools"]} == {
        "conversation_search",
        "memory_replace",
        "memory_insert",
    }


def test_input_may_be_content_parts(client: Letta) -> None:
    agent = create_seed_agent(client)
    response = client.agents.messages.create(
        agent_id=agent.id, input=[{"type": "text", "text": "hi there"}]
    )
    assert of_type(response, "assistant_message")[0].content.endswith("You said: hi there")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "Must specify either 'input' or 'messages'."),
        (
            {"input": "a", "messages": [{"role": "user", "content": "b"}]},
            "Cannot specify both 'input' and 'messages'. Use one or the other.",
        ),
        ({"messages": []}, "'messages' must not be empty."),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages.0.role"),
        ({"input": "x", "max_steps": 0}, "max_steps"),
    ],
)
def test_bad_send_requests_are_422_and_store_nothing(
    client: Letta, http: httpx.Client, body: dict, detail: str
) -> None:
    agent = create_seed_agent(client)
    response = http.post(f"/v1/agents/{agent.id}/messages", json=body)
    assert response.status_code == 422
    assert detail in response.json()["detail"]
    assert len(list(client.agents.messages.list(agent.id))) == 1


def test_unknown_keys_are_ignored(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    response = http.post(
        f"/v1/agents/{agent.id}/messages",
        json={"input": "hello", "use_assistant_message": True, "zzz": 1},
    )
    assert response.status_code == 200


def test_a_model_that_never_stops_is_cut_at_max_steps(client: Letta) -> None:
    agent = create_seed_agent(client)
    response = send(client, agent.id, "[[loop]]", max_steps=3)
    assert response.stop_reason.stop_reason == "max_steps"
    assert len(of_type(response, "tool_call_message")) == 3
    assert len(of_type(response, "tool_return_message")) == 3
    assert response.usage.step_count == 3
    # The next turn sees a consistent history: every call answered.
    follow_up = send(client, agent.id, "hello again")
    assert follow_up.stop_reason.stop_reason == "end_turn"


def test_reasoning_is_returned_before_the_reply(client: Letta) -> None:
    agent = create_seed_agent(client)
    response = send(client, agent.id, "[[reasoning I should greet them]] hi")
    assert [m.message_type for m in response.messages] == ["reasoning_message", "assistant_message"]
    assert response.messages[0].reasoning == "I should greet them"
    assert response.messages[0].id == response.messages[1].id


def test_truncated_completion_stops_with_max_tokens_exceeded(client: Letta) -> None:
    agent = create_seed_agent(client)
    assert send(client, agent.id, "[[length]] hi").stop_reason.stop_reason == (
        "max_tokens_exceeded"
    )


def test_include_return_message_types_filters_the_response(client: Letta) -> None:
    agent = create_seed_agent(client)
    response = send(
        client, agent.id, NAME_REQUEST, include_return_message_types=["assistant_message"]
    )
    assert [m.message_type for m in response.messages] == ["assistant_message"]


def test_override_model_is_used_for_this_turn_only(client: Letta, fake_llm: FakeLLM) -> None:
    agent = create_seed_agent(client)
    fake_llm.clear()
    send(client, agent.id, "hi", override_model="openai/gpt-4o")
    send(client, agent.id, "hi")
    assert [r["model"] for r in fake_llm.chat_requests()] == ["gpt-4o", "gpt-4o-mini"]


def test_provider_failure_leaves_history_untouched(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    send(client, agent.id, "first")
    before = [m.id for m in client.agents.messages.list(agent.id)]

    response = http.post(f"/v1/agents/{agent.id}/messages", json={"input": "[[error 500]]"})
    assert response.status_code == 502
    assert response.headers["x-should-retry"] == "false"
    assert "500" in response.json()["detail"]
    assert "llm_api_error" in response.json()["detail"]

    assert [m.id for m in client.agents.messages.list(agent.id)] == before
    assert client.agents.retrieve(agent.id).last_stop_reason == "llm_api_error"
    assert send(client, agent.id, "still there?").stop_reason.stop_reason == "end_turn"


def test_message_history_lists_pages_and_filters(client: Letta) -> None:
    agent = create_seed_agent(client)
    send(client, agent.id, NAME_REQUEST)
    send(client, agent.id, "What is my name?")
    oldest_first = list(client.agents.messages.list(agent.id, order="asc", limit=2))
    assert [m.message_type for m in oldest_first] == [
        "system_message",
        "user_message",
        "tool_call_message",
        "tool_return_message",
        "assistant_message",
        "user_message",
        "assistant_message",
    ]
    assert oldest_first[1].content == NAME_REQUEST
    newest_first = list(client.agents.messages.list(agent.id, limit=3))
    assert [m.id for m in newest_first] == [m.id for m in oldest_first][::-1]
    only_users = client.agents.messages.list(
        agent.id, order="asc", include_return_message_types=["user_message"]
    )
    assert [m.content for m in only_users] == [NAME_REQUEST, "What is my name?"]


def test_reset_messages_empties_the_window_but_keeps_history(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client)
    send(client, agent.id, "remember the word avocado")
    state = client.agents.messages.reset(agent.id)
    assert state.message_ids == [agent.message_ids[0]]
    assert len(list(client.agents.messages.list(agent.id))) == 3
    fake_llm.clear()
    send(client, agent.id, "hello")
    [request] = fake_llm.chat_requests()
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert "2 previous messages" in request["messages"][0]["content"]


def test_shared_block_edited_by_a_tool_reaches_every_agent(client: Letta) -> None:
    shared = client.blocks.create(label="human", value="Name: User")
    first = create_seed_agent(client, memory_blocks=[], block_ids=[shared.id])
    second = create_seed_agent(client, memory_blocks=[], block_ids=[shared.id])
    send(client, first.id, NAME_REQUEST)
    [system] = client.agents.messages.list(second.id, order="asc", limit=1).items
    assert "<value>\nName: Cameron\n</value>" in system.content
    answer = send(client, second.id, "What is my name?")
    assert of_type(answer, "assistant_message")[0].content == "Your name is Cameron."
