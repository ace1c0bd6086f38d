"""Agents as OpenAI chat models, driven through the official `openai` Python SDK."""

from collections.abc import Iterator

import httpx
import openai
import pytest
from letta_client import Letta
from openai import OpenAI

from tests.factories import call_directive, create_seed_agent
from tests.fake_llm.script import ECHO_PREFIX
from tests.servers import LettaliteServer


@pytest.fixture
def oai(server: LettaliteServer) -> Iterator[OpenAI]:
    with OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0) as sdk:
        yield sdk


def history(client: Letta, agent_id: str) -> list[tuple[str, str]]:
    """The agent's user and assistant messages, oldest first, as (type, text)."""
    messages = client.agents.messages.list(agent_id, order="asc", limit=100)
    return [
        (m.message_type, m.content)
        for m in messages
        if m.message_type in ("user_message", "assistant_message")
    ]


def streamed(oai: OpenAI, model: str, text: str, **options: object) -> list:
    stream = oai.chat.completions.create(
        model=model, messages=[{"role": "user", "content": text}], stream=True, **options
    )
    return list(stream)


def test_a_completion_is_a_turn_of_the_agent_named_by_id(client: Letta, oai: OpenAI) -> None:
    agent = create_seed_agent(client, name="oai-by-id")
    completion = oai.chat.completions.create(
        model=agent.id, messages=[{"role": "user", "content": "hello there"}]
    )
    answer = ECHO_PREFIX + "hello there"
    assert completion.object == "chat.completion" and completion.model == agent.id
    [choice] = completion.choices
    assert choice.message.role == "assistant" and choice.message.content == answer
    assert choice.finish_reason == "stop" and choice.message.tool_calls is None
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert completion.usage.prompt_tokens > 0
    run = client.runs.retrieve(completion.id)  # the completion's id is the turn's run
    assert run.agent_id == agent.id and run.status == "completed"
    assert history(client, agent.id)[-2:] == [
        ("user_message", "hello there"),
        ("assistant_message", answer),
    ]


def test_only_the_last_user_message_is_sent_the_agent_keeps_its_own_history(
    client: Letta, oai: OpenAI
) -> None:
    agent = create_seed_agent(client, name="oai-history")
    conversation = [
        {"role": "system", "content": "You are a pirate."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "an answer the client remembers"},
        {"role": "user", "content": [{"type": "text", "text": "second question"}]},
    ]
    completion = oai.chat.completions.create(model=agent.id, messages=conversation)
    assert completion.choices[0].message.content == ECHO_PREFIX + "second question"
    texts = [text for _, text in history(client, agent.id)]
    assert "second question" in texts
    assert "first question" not in texts and "an answer the client remembers" not in texts


def test_streaming_by_unique_name_sends_openai_chunks_with_usage(
    client: Letta, oai: OpenAI
) -> None:
    agent = create_seed_agent(client, name="oai-streamer")
    chunks = streamed(oai, "oai-streamer", "stream it", stream_options={"include_usage": True})
    assert {chunk.object for chunk in chunks} == {"chat.completion.chunk"}
    assert len({chunk.id for chunk in chunks}) == 1 and chunks[0].id.startswith("run-")
    assert chunks[0].choices[0].delta.role == "assistant"
    *answering, usage_chunk = chunks
    text = "".join(chunk.choices[0].delta.content or "" for chunk in answering)
    assert text == ECHO_PREFIX + "stream it"
    assert len([c for c in answering if c.choices[0].delta.content]) > 1  # token by token
    assert answering[-1].choices[0].finish_reason == "stop"
    assert usage_chunk.choices == [] and usage_chunk.usage.total_tokens > 0
    assert history(client, agent.id)[-1] == ("assistant_message", text)


def test_streaming_without_include_usage_sends_no_usage_chunk(client: Letta, oai: OpenAI) -> None:
    agent = create_seed_agent(client, name="oai-no-usage")
    chunks = streamed(oai, agent.id, "short")
    assert all(chunk.usage is None and chunk.choices for chunk in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_internal_tool_calls_stay_inside_the_agent(client: Letta, oai: OpenAI) -> None:
    agent = create_seed_agent(client, name="oai-memory")
    request = "My name is Cameron. Please store this information in your memory."
    completion = oai.chat.completions.create(
        model=agent.id, messages=[{"role": "user", "content": request}]
    )
    message = completion.choices[0].message
    assert message.tool_calls is None and message.content
    assert "memory_replace" not in message.content
    human = client.agents.blocks.retrieve("human", agent_id=agent.id)
    assert "Cameron" in human.value  # the tool ran inside the turn


@pytest.mark.parametrize("stream", [False, True])
def test_send_message_calls_are_the_answer(client: Letta, oai: OpenAI, stream: bool) -> None:
    agent = create_seed_agent(
        client, name=f"oai-sender-{stream}", include_base_tools=False, tools=["send_message"]
    )
    text = call_directive("send_message", message="Ahoy from the tool!")
    if stream:
        chunks = streamed(oai, agent.id, text)
        answer = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    else:
        completion = oai.chat.completions.create(
            model=agent.id, messages=[{"role": "user", "content": text}]
        )
        answer = completion.choices[0].message.content
    assert answer == "Ahoy from the tool!"


def test_an_unknown_agent_is_a_404_naming_it(oai: OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        oai.chat.completions.create(
            model="nobody-by-this-name", messages=[{"role": "user", "content": "hi"}]
        )
    assert "'nobody-by-this-name'" in str(raised.value)  # the SDK shows the body's message
    missing = "agent-00000000-0000-4000-8000-000000000000"
    with pytest.raises(openai.NotFoundError) as raised:
        oai.chat.completions.create(model=missing, messages=[{"role": "user", "content": "hi"}])
    detail = f"Agent {missing} not found"
    assert raised.value.body == {"detail": detail, "message": detail}
    assert str(raised.value) == f"Error code: 404 - {detail}"


def test_an_ambiguous_name_is_a_400_listing_the_ids(client: Letta, oai: OpenAI) -> None:
    first = create_seed_agent(client, name="oai-twin")
    second = create_seed_agent(client, name="oai-twin")
    with pytest.raises(openai.BadRequestError) as raised:
        oai.chat.completions.create(model="oai-twin", messages=[{"role": "user", "content": "x"}])
    detail = raised.value.body["detail"]
    assert first.id in detail and second.id in detail and "oai-twin" in detail


def test_a_request_without_a_user_message_is_a_400(client: Letta, oai: OpenAI) -> None:
    agent = create_seed_agent(client, name="oai-no-user")
    with pytest.raises(openai.BadRequestError) as raised:
        oai.chat.completions.create(
            model=agent.id, messages=[{"role": "system", "content": "be brief"}]
        )
    assert "no user message" in raised.value.body["detail"]
    with pytest.raises(openai.BadRequestError) as raised:
        parts = [{"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]
        oai.chat.completions.create(model=agent.id, messages=[{"role": "user", "content": parts}])
    assert "'input_audio'" in raised.value.body["detail"]
    assert history(client, agent.id) == []  # nothing was sent


def test_a_failed_turn_raises_in_the_sdk_streaming_or_not(client: Letta, oai: OpenAI) -> None:
    agent = create_seed_agent(client, name="oai-failing")
    with pytest.raises(openai.APIStatusError) as raised:
        oai.chat.completions.create(
            model=agent.id, messages=[{"role": "user", "content": "[[error 400]] no"}]
        )
    assert raised.value.status_code == 502 and "llm_api_error" in raised.value.body["detail"]
    with pytest.raises(openai.APIError) as raised:
        streamed(oai, agent.id, "[[error 400]] still no")
    assert raised.value.type == "llm_error"


def test_agents_are_listed_as_models_only_behind_the_setting(start_server) -> None:  # noqa: ANN001
    listing = start_server(LETTALITE_LIST_AGENTS_AS_MODELS="true")
    letta = Letta(base_url=listing.url, _strict_response_validation=True, max_retries=0)
    agent = create_seed_agent(letta, name="oai-listed")
    with OpenAI(base_url=f"{listing.url}/v1", api_key="unused", max_retries=0) as sdk:
        models = {model.id: model for model in sdk.models.list()}
        assert models[agent.id].owned_by == "lettalite"
        assert models[agent.id].model_extra["name"] == "oai-listed"
        completion = sdk.chat.completions.create(
            model=agent.id, messages=[{"role": "user", "content": "listed"}]
        )
    assert completion.choices[0].message.content == ECHO_PREFIX + "listed"
    # Letta's SDKs call the path with the slash, which keeps listing model handles.
    assert "openai/gpt-4o-mini" in {model.handle for model in letta.models.list()}


def test_without_the_setting_the_model_list_is_unchanged(server: LettaliteServer) -> None:
    with_slash = httpx.get(f"{server.url}/v1/models/").json()
    without = httpx.get(f"{server.url}/v1/models").json()
    assert without == with_slash and isinstance(without, list)
    assert not any(model["handle"].startswith("agent-") for model in without)


def test_image_parts_reach_the_agent(client: Letta, oai: OpenAI) -> None:
    agent = create_seed_agent(client, name="oai-image")
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    parts = [{"type": "text", "text": "what is this?"}, image]
    completion = oai.chat.completions.create(
        model=agent.id, messages=[{"role": "user", "content": parts}]
    )
    assert completion.choices[0].message.content.startswith(ECHO_PREFIX)
    [sent] = [m for m in client.agents.messages.list(agent.id) if m.message_type == "user_message"]
    text, picture = sent.content
    assert text.text == "what is this?"
    assert (picture.source.media_type, picture.source.data) == ("image/png", "iVBORw0KGgo=")
    too_long = {"type": "image_url", "image_url": {"url": "https://example.com/" + "x" * 9000}}
    with pytest.raises(openai.BadRequestError) as raised:
        oai.chat.completions.create(
            model=agent.id, messages=[{"role": "user", "content": [too_long]}]
        )
    assert "url" in raised.value.body["detail"]
