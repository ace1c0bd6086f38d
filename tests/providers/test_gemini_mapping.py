"""The generateContent body lettalite builds from a provider-neutral request (pure mapping),
and how Gemini's answers are read back."""

import pytest

from lettalite.llm.google_provider import Assembly, gemini_schema, generate_body
from lettalite.llm.types import CallTool, ChatMessage, ChatRequest, ToolCallRequest, ToolDefinition
from tests.fake_gemini.wire import check_contents
from tests.fake_llm.directives import BadRequest

SEARCH = ToolDefinition(
    "search",
    "Search",
    {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"q": {"type": ["string", "null"], "description": "query"}},
        "required": ["q", "gone"],
        "additionalProperties": False,
    },
)
CALLS = (
    ToolCallRequest("call_1", "search", '{"q": "a"}'),
    ToolCallRequest("call_2", "lookup", '{"q": "b"}'),
)
PNG = "data:image/png;base64,iVBORw0KGgo="


def request(*messages: ChatMessage, **fields: object) -> ChatRequest:
    return ChatRequest(model="gemini-2.0-flash", messages=list(messages), tools=[], **fields)


def test_tool_results_are_function_responses_named_after_their_calls() -> None:
    body = generate_body(
        request(
            ChatMessage("system", "You are Sam."),
            ChatMessage("user", "find a and b"),
            ChatMessage("assistant", "Looking.", tool_calls=CALLS),
            ChatMessage("tool", '{"status": "OK", "message": "a"}', tool_call_id="call_1"),
            ChatMessage("tool", "plain b", tool_call_id="call_2"),
            ChatMessage("user", '{"type": "heartbeat"}'),
        )
    )
    assert body["systemInstruction"] == {"parts": [{"text": "You are Sam."}]}
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert body["contents"][1]["parts"] == [
        {"text": "Looking."},
        {"functionCall": {"name": "search", "args": {"q": "a"}}},
        {"functionCall": {"name": "lookup", "args": {"q": "b"}}},
    ]
    assert body["contents"][2]["parts"] == [
        {"functionResponse": {"name": "search", "response": {"status": "OK", "message": "a"}}},
        {"functionResponse": {"name": "lookup", "response": {"result": "plain b"}}},
        {"text": '{"type": "heartbeat"}'},
    ]
    assert "generationConfig" not in body
    check_contents(body)  # what the real API would accept


def test_replayed_calls_to_gemini_3_carry_the_documented_unsigned_sentinel() -> None:
    messages = [
        ChatMessage("user", "find a"),
        ChatMessage("assistant", None, tool_calls=CALLS[:1]),
        ChatMessage("tool", "a", tool_call_id="call_1"),
    ]
    gemini_3 = ChatRequest(model="gemini-3-pro-preview", messages=messages, tools=[])
    [part] = generate_body(gemini_3)["contents"][1]["parts"]
    assert part["thoughtSignature"] == "skip_thought_signature_validator"
    [earlier] = generate_body(request(*messages))["contents"][1]["parts"]
    assert "thoughtSignature" not in earlier


def test_images_are_inline_data_or_file_data() -> None:
    url = "https://example.com/cat.png"
    body = generate_body(request(ChatMessage("user", "what is this?", images=(PNG, url))))
    assert body["contents"][0]["parts"][1:] == [
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        {"fileData": {"mimeType": "image/png", "fileUri": url}},
    ]


def test_tool_schemas_are_cut_to_what_gemini_accepts() -> None:
    assert gemini_schema(SEARCH.parameters) == {
        "type": "object",
        "properties": {"q": {"type": "string", "nullable": True, "description": "query"}},
        "required": ["q"],
    }
    nested = {"type": "array", "items": {"type": "object", "properties": {}, "const": 1}}
    assert gemini_schema(nested) == {"type": "array", "items": {"type": "object"}}


def test_tools_choice_and_generation_config() -> None:
    user = ChatMessage("user", "hi")

    def with_tools(**fields: object) -> dict:
        tools = [SEARCH, ToolDefinition("noop", "No arguments", {"type": "object"})]
        return generate_body(
            ChatRequest(model="gemini-2.5-pro", messages=[user], tools=tools, **fields)
        )

    [declarations] = [t["functionDeclarations"] for t in with_tools()["tools"]]
    assert declarations[0]["parameters"] == gemini_schema(SEARCH.parameters)
    assert declarations[1] == {"name": "noop", "description": "No arguments"}
    assert with_tools()["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}
    assert with_tools(tool_choice="required")["toolConfig"]["functionCallingConfig"] == {
        "mode": "ANY"
    }
    assert with_tools(tool_choice=CallTool("search"))["toolConfig"]["functionCallingConfig"] == {
        "mode": "ANY",
        "allowedFunctionNames": ["search"],
    }
    config = with_tools(temperature=1.5, max_tokens=50)["generationConfig"]
    assert config == {
        "temperature": 1.5,
        "maxOutputTokens": 50,
        "thinkingConfig": {"includeThoughts": True},  # a thinking model
    }


def test_response_formats() -> None:
    user = ChatMessage("user", "hi")
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer"}},
        "additionalProperties": False,
    }
    as_json = generate_body(request(user, response_format={"type": "json_object"}))
    assert as_json["generationConfig"] == {"responseMimeType": "application/json"}
    with_schema = generate_body(
        request(user, response_format={"type": "json_schema", "json_schema": {"schema": schema}})
    )
    assert with_schema["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseSchema": {"type": "object", "properties": {"n": {"type": "integer"}}},
    }
    assert "generationConfig" not in generate_body(request(user, response_format={"type": "text"}))


def test_answers_are_read_with_ids_usage_and_finish_reasons() -> None:
    assembly = Assembly()
    deltas = assembly.add(
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {"text": "pondering", "thought": True},
                            {"functionCall": {"name": "search", "args": {"q": "a"}}},
                        ],
                    },
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 10,
                "candidatesTokenCount": 4,
                "thoughtsTokenCount": 3,
            },
        }
    )
    completion = assembly.completion()
    [call] = completion.tool_calls
    assert call.id.startswith("call_") and (call.name, call.arguments) == ("search", '{"q": "a"}')
    assert deltas[1].tool_call_id == call.id and deltas[0].reasoning == "pondering"
    assert (completion.reasoning, completion.finish_reason) == ("pondering", "tool_calls")
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (10, 7)

    truncated = Assembly()
    truncated.add(
        {"candidates": [{"content": {"parts": [{"text": "Hel"}]}, "finishReason": "MAX_TOKENS"}]}
    )
    assert (truncated.completion().content, truncated.completion().finish_reason) == (
        "Hel",
        "length",
    )


@pytest.mark.parametrize(
    ("contents", "refusal"),
    [
        ([{"role": "assistant", "parts": [{"text": "a"}]}], "valid role"),
        (
            [
                {"role": "user", "parts": [{"text": "a"}]},
                {"role": "model", "parts": [{"functionCall": {"name": "x", "args": {}}}]},
                {"role": "user", "parts": [{"text": "no response"}]},
            ],
            "number of function response parts",
        ),
        (
            [{"role": "model", "parts": [{"functionCall": {"name": "x", "args": {}}}]}],
            "immediately after a user turn",
        ),
    ],
)
def test_the_fake_refuses_what_gemini_refuses(contents: list, refusal: str) -> None:
    with pytest.raises(BadRequest, match=refusal):
        check_contents({"contents": contents})
