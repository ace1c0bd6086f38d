"""The `/api/chat` body lettalite builds from a provider-neutral request (pure mapping), and
that the fake Ollama, decoding it as Ollama does, accepts it."""

import pytest

from lettalite.llm.ollama_provider import OllamaProvider
from lettalite.llm.retries import RetryPolicy
from lettalite.llm.types import CallTool, ChatMessage, ChatRequest, ToolCallRequest, ToolDefinition
from tests.fake_ollama.wire import chat_body

SEARCH = ToolDefinition("search", "Search", {"type": "object", "properties": {}})
SEND = ToolDefinition("send", "Send", {"type": "object", "properties": {}})
CALLS = (
    ToolCallRequest("call_1", "search", '{"q": "a"}'),
    ToolCallRequest("call_2", "send", "{not json"),
)
PNG = "data:image/png;base64,iVBORw0KGgo="
PROVIDER = OllamaProvider(base_url="http://127.0.0.1:9", timeout=1, retries=RetryPolicy())


def body_of(*messages: ChatMessage, **fields: object) -> dict:
    fields.setdefault("tools", [SEARCH, SEND])
    return PROVIDER.request_body(ChatRequest(model="llama3.2", messages=list(messages), **fields))


def test_tool_calls_carry_object_arguments_and_results_name_their_tool() -> None:
    body = body_of(
        ChatMessage("user", "find a"),
        ChatMessage("assistant", None, tool_calls=CALLS),
        ChatMessage("tool", "result a", tool_call_id="call_1"),
        ChatMessage("tool", "bad arguments", tool_call_id="call_2"),
    )
    assert body["messages"][1] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"function": {"name": "search", "arguments": {"q": "a"}}},
            {"function": {"name": "send", "arguments": {}}},  # malformed JSON replayed empty
        ],
    }
    assert [m.get("tool_name") for m in body["messages"][2:]] == ["search", "send"]
    assert chat_body(body)["messages"][1]["tool_calls"][0]["function"]["arguments"] == '{"q": "a"}'


def test_inline_images_are_base64_and_linked_ones_are_named() -> None:
    body = body_of(ChatMessage("user", "what is this?", images=(PNG, "https://x.test/a.png")))
    [message] = body["messages"]
    assert message["images"] == ["iVBORw0KGgo="]
    assert message["content"] == "what is this?\n[image: https://x.test/a.png]"
    chat_body(body)  # the fake decodes the base64 as Ollama would


def test_a_forced_tool_is_the_only_one_offered() -> None:
    body = body_of(ChatMessage("user", "go"), tool_choice=CallTool("send"))
    assert [tool["function"]["name"] for tool in body["tools"]] == ["send"]
    assert [t["function"]["name"] for t in body_of(ChatMessage("user", "go"))["tools"]] == [
        "search",
        "send",
    ]


@pytest.mark.parametrize(
    ("response_format", "expected"),
    [
        ({"type": "json_object"}, "json"),
        (
            {"type": "json_schema", "json_schema": {"schema": {"type": "object"}}},
            {"type": "object"},
        ),
        ({"type": "text"}, None),
    ],
)
def test_response_format_becomes_format(response_format: dict, expected: object) -> None:
    body = body_of(ChatMessage("user", "hi"), response_format=response_format)
    assert body.get("format") == expected


def test_options_carry_temperature_output_limit_and_context_window() -> None:
    body = body_of(
        ChatMessage("user", "hi"), temperature=0.2, max_tokens=512, context_window=32_000
    )
    assert body["options"] == {"temperature": 0.2, "num_predict": 512, "num_ctx": 32_000}
    assert body["stream"] is False
