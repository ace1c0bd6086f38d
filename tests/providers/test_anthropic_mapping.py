"""The Messages API body lettalite builds from a provider-neutral request (pure mapping)."""

import pytest

from lettalite.llm.anthropic_provider import DEFAULT_MAX_TOKENS, messages_body
from lettalite.llm.types import CallTool, ChatMessage, ChatRequest, ToolCallRequest, ToolDefinition
from tests.fake_anthropic.wire import check_messages
from tests.fake_llm.directives import BadRequest

SEARCH = ToolDefinition("search", "Search", {"type": "object", "properties": {}})
CALLS = (
    ToolCallRequest("toolu_1", "search", '{"q": "a"}'),
    ToolCallRequest("toolu_2", "search", '{"q": "b"}'),
)
PNG = "data:image/png;base64,iVBORw0KGgo="


def request(*messages: ChatMessage, **fields: object) -> ChatRequest:
    return ChatRequest(model="claude-sonnet-4-5", messages=list(messages), tools=[], **fields)


def test_parallel_tool_results_and_a_heartbeat_merge_into_one_user_turn() -> None:
    body = messages_body(
        request(
            ChatMessage("system", "You are Sam."),
            ChatMessage("user", "find a and b"),
            ChatMessage("assistant", "Looking.", tool_calls=CALLS),
            ChatMessage("tool", "result a", tool_call_id="toolu_1"),
            ChatMessage("tool", "result b", tool_call_id="toolu_2"),
            ChatMessage("user", '{"type": "heartbeat"}'),
        )
    )
    assert body["system"] == "You are Sam."
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "Looking."},
        {"type": "tool_use", "id": "toolu_1", "name": "search", "input": {"q": "a"}},
        {"type": "tool_use", "id": "toolu_2", "name": "search", "input": {"q": "b"}},
    ]
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "result a"},
        {"type": "tool_result", "tool_use_id": "toolu_2", "content": "result b"},
        {"type": "text", "text": '{"type": "heartbeat"}'},
    ]
    check_messages(body)  # what the real API would accept


def test_consecutive_turns_of_one_role_merge_and_empty_ones_drop() -> None:
    body = messages_body(
        request(
            ChatMessage("user", "one"),
            ChatMessage("user", "two"),
            ChatMessage("assistant", ""),
            ChatMessage("assistant", "three"),
            ChatMessage("system", "a later note"),
        )
    )
    assert "system" not in body
    assert body["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "three"}]},
        {"role": "user", "content": [{"type": "text", "text": "a later note"}]},
    ]


def test_images_follow_the_text_of_their_user_message() -> None:
    url = "https://example.com/cat.png"
    body = messages_body(request(ChatMessage("user", "what is this?", images=(PNG, url))))
    [message] = body["messages"]
    assert message["content"][1:] == [
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
        },
        {"type": "image", "source": {"type": "url", "url": url}},
    ]


def test_tools_choice_and_limits() -> None:
    user = ChatMessage("user", "hi")
    plain = messages_body(request(user, temperature=1.7))
    assert plain["max_tokens"] == DEFAULT_MAX_TOKENS and plain["temperature"] == 1.0
    assert "tools" not in plain and "tool_choice" not in plain

    def with_tools(**fields: object) -> dict:
        return messages_body(
            ChatRequest(model="m", messages=[user], tools=[SEARCH], max_tokens=50, **fields)
        )

    assert with_tools()["tools"] == [
        {"name": "search", "description": "Search", "input_schema": SEARCH.parameters}
    ]
    assert with_tools()["max_tokens"] == 50
    assert with_tools()["tool_choice"] == {"type": "auto"}
    assert with_tools(tool_choice="required")["tool_choice"] == {"type": "any"}
    assert with_tools(tool_choice=CallTool("search"))["tool_choice"] == {
        "type": "tool",
        "name": "search",
    }
    assert "response_format" not in with_tools(response_format={"type": "json_object"})


def test_malformed_stored_arguments_replay_as_an_empty_input() -> None:
    call = ToolCallRequest("toolu_1", "search", "{not json")
    body = messages_body(
        request(
            ChatMessage("user", "go"),
            ChatMessage("assistant", None, tool_calls=(call,)),
            ChatMessage("tool", "error", tool_call_id="toolu_1"),
        )
    )
    assert body["messages"][1]["content"][0]["input"] == {}


@pytest.mark.parametrize(
    ("messages", "refusal"),
    [
        ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "alternate"),
        (
            [
                {"role": "user", "content": "a"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "x"}]},
                {"role": "user", "content": "no result"},
            ],
            "must be answered by tool_result",
        ),
    ],
)
def test_the_fake_refuses_what_anthropic_refuses(messages: list, refusal: str) -> None:
    with pytest.raises(BadRequest, match=refusal):
        check_messages({"max_tokens": 10, "messages": messages})
