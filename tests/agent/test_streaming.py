"""Streaming turns through the official SDKs, checked against what the server stored."""

import json

import httpx
import pytest
from letta_client import APIStatusError, Letta

from tests.factories import create_seed_agent
from tests.sdk.scripts import TS_DIR, run_script
from tests.servers import LettaliteServer

NAME_REQUEST = "My name is Cameron. Please store this information in your memory."


def stored_output(client: Letta, run_id: str) -> list:
    return [m for m in client.runs.messages.list(run_id) if m.message_type != "user_message"]


def test_step_streaming_sends_ping_messages_stop_usage(client: Letta) -> None:
    agent = create_seed_agent(client)
    chunks = list(client.agents.messages.create(agent.id, input=NAME_REQUEST, streaming=True))
    kinds = [chunk.message_type for chunk in chunks]
    assert kinds == [
        "ping",
        "tool_call_message",
        "tool_return_message",
        "assistant_message",
        "stop_reason",
        "usage_statistics",
    ]
    run_id = chunks[0].run_id
    assert run_id.startswith("run-")
    messages = chunks[1:4]
    stored = stored_output(client, run_id)
    assert [(m.id, m.message_type) for m in messages] == [(m.id, m.message_type) for m in stored]
    assert messages[0].tool_call.name == "memory_replace"
    assert chunks[4].stop_reason == "end_turn" and chunks[5].step_count == 2
    assert [m.seq_id for m in messages] == sorted(m.seq_id for m in messages)


def test_token_streaming_deltas_concatenate_to_the_stored_messages(client: Letta) -> None:
    agent = create_seed_agent(client)
    chunks = list(
        client.agents.messages.create(
            agent.id,
            input="[[reasoning thinking it over]] " + NAME_REQUEST,
            streaming=True,
            stream_tokens=True,
        )
    )
    run_id = chunks[0].run_id
    stored = {(m.id, m.message_type): m for m in stored_output(client, run_id)}

    def joined(message_type: str, field) -> dict[str, str]:  # noqa: ANN001
        texts: dict[str, str] = {}
        for chunk in chunks:
            if chunk.message_type == message_type:
                texts[chunk.id] = texts.get(chunk.id, "") + (field(chunk) or "")
        return texts

    calls = joined("tool_call_message", lambda c: c.tool_call.arguments)
    assert len(calls) == 1 and sum(c.message_type == "tool_call_message" for c in chunks) > 3
    [(call_id, arguments)] = calls.items()
    assert arguments == stored[(call_id, "tool_call_message")].tool_call.arguments
    replies = joined("assistant_message", lambda c: c.content)
    assert len(replies) == 1
    [(reply_id, text)] = replies.items()
    assert text == stored[(reply_id, "assistant_message")].content
    assert sum(c.message_type == "assistant_message" for c in chunks) > 3
    reasoning = joined("reasoning_message", lambda c: c.reasoning)
    assert reasoning[reply_id] == "thinking it over"
    assert chunks[-2].stop_reason == "end_turn"


def test_deprecated_stream_endpoint_always_streams(client: Letta) -> None:
    agent = create_seed_agent(client)
    with pytest.warns(DeprecationWarning):
        stream = client.agents.messages.stream(agent.id, input="hello")
    kinds = [chunk.message_type for chunk in stream]
    assert kinds == ["ping", "assistant_message", "stop_reason", "usage_statistics"]


def test_sse_wire_format(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    with http.stream(
        "POST",
        f"/v1/agents/{agent.id}/messages/stream",
        json={"input": "hi"},
        headers={"Accept": "application/json"},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = response.read().decode()
    frames = [frame for frame in body.split("\n\n") if frame]
    assert all(frame.startswith("data: ") for frame in frames)
    assert frames[-1] == "data: [DONE]"
    assert json.loads(frames[0][6:])["message_type"] == "ping"


def test_streaming_options_without_streaming_are_rejected(
    client: Letta, http: httpx.Client
) -> None:
    agent = create_seed_agent(client)
    response = http.post(
        f"/v1/agents/{agent.id}/messages",
        json={"input": "hi", "streaming": False, "stream_tokens": True},
    )
    assert response.status_code == 422
    assert "Streaming options set without streaming enabled" in response.json()["detail"]


def test_provider_error_mid_stream_raises_in_the_sdk(client: Letta) -> None:
    agent = create_seed_agent(client)
    seen = []
    with pytest.raises(APIStatusError) as raised:
        for chunk in client.agents.messages.create(agent.id, input="[[error 500]]", streaming=True):
            seen.append(chunk)
    assert [c.message_type for c in seen] == ["ping", "stop_reason"]
    assert seen[1].stop_reason == "llm_api_error"
    assert "500" in str(raised.value.body)


def test_typescript_sdk_streams(server: LettaliteServer) -> None:
    result = json.loads("\n".join(run_script(["node", "stream.mjs", server.url], TS_DIR)))
    assert result["kinds"][0] == "ping"
    assert result["kinds"][-2:] == ["stop_reason", "usage_statistics"]
    assert result["streamed_reply"] == result["stored_reply"]
    assert result["stored_reply"] == "Got it! I've updated my memory with your name, Cameron."


def test_pings_keep_a_silent_stream_alive(start_server) -> None:  # noqa: ANN001
    chatty = start_server(LETTALITE_STREAM_KEEPALIVE_SECONDS="0.2")
    client = Letta(base_url=chatty.url, _strict_response_validation=True, max_retries=0)
    agent = create_seed_agent(client)
    chunks = list(client.agents.messages.create(agent.id, input="[[sleep 1.2]] hi", streaming=True))
    kinds = [chunk.message_type for chunk in chunks]
    first_reply = kinds.index("assistant_message")
    assert kinds[:first_reply].count("ping") >= 4  # the first one, then one per 0.2 s of silence
    assert all(chunk.run_id == chunks[0].run_id for chunk in chunks[:first_reply])
    quiet = list(
        client.agents.messages.create(
            agent.id, input="[[sleep 0.6]] hi", streaming=True, include_pings=False
        )
    )
    assert "ping" not in [chunk.message_type for chunk in quiet]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK marks stream() so
def test_the_stream_route_takes_the_sdks_streaming_options(client: Letta) -> None:
    """`messages.stream(..., stream_tokens=True)` sends no `streaming`: the route streams."""
    agent = create_seed_agent(client)
    with client.agents.messages.stream(
        agent.id, input="tokens please", stream_tokens=True, include_pings=True, background=True
    ) as stream:
        chunks = list(stream)
    kinds = [chunk.message_type for chunk in chunks]
    assert kinds[0] == "ping" and kinds[-2:] == ["stop_reason", "usage_statistics"]
    text = "".join(c.content for c in chunks if c.message_type == "assistant_message")
    assert text.endswith("You said: tokens please")
    assert kinds.count("assistant_message") > 1  # token deltas, not one whole message
