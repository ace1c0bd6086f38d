"""Tests of the fake LLM: the pure script, the wire rendering, and the real HTTP server."""

from __future__ import annotations

import base64
import json
import math
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionChunk
from openai.types.chat.chat_completion_chunk import ChoiceDelta

from .directives import BadRequest, DirectiveError, ErrorSpec, ToolCall, parse_directives
from .embeddings import embed, embeddings_response, requested_error
from .render import Envelope, completion_body, stream_chunks
from .script import Reply, reply_for, usage_for

REPO_ROOT = Path(__file__).resolve().parents[2]
ECHO = "Hello! I'm your stateful assistant. You said: "
HUMAN_SYSTEM = (
    "You are a helpful agent.\n<memory_blocks>\n<human>\n<description>About the user"
    "</description>\n<value>\nName: Unknown\nLikes: tea\n</value>\n</human>\n</memory_blocks>"
)


# --- request builders ------------------------------------------------------------------------


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def system(text: str) -> dict[str, Any]:
    return {"role": "system", "content": text}


def tool_round(result: str, name: str = "some_tool") -> list[dict[str, Any]]:
    """An assistant tool call followed by its tool result, as the agent loop sends them."""
    call = {"id": "call_x", "type": "function", "function": {"name": name, "arguments": "{}"}}
    return [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_x", "content": result},
    ]


def chat(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": list(messages)}


def after_rounds(text: str, *results: str, prompt: str | None = None) -> dict[str, Any]:
    messages = [system(prompt)] if prompt is not None else []
    messages.append(user(text))
    for result in results:
        messages += tool_round(result)
    return chat(*messages)


# --- natural-language rules ------------------------------------------------------------------


def test_plain_text_is_echoed() -> None:
    reply = reply_for(chat(user("hi there")))
    assert reply == Reply(content=ECHO + "hi there", user_text="hi there")


def test_echo_strips_directives_and_joins_content_parts() -> None:
    parts = [{"type": "text", "text": "hello"}, {"type": "text", "text": "[[sleep 0]] world"}]
    reply = reply_for(chat({"role": "user", "content": parts}))
    assert reply.content == ECHO + "hello\n world"


def test_only_the_last_user_message_and_its_rounds_count() -> None:
    body = chat(user("[[call a {}]]"), *tool_round("old"), user("second"))
    assert reply_for(body).content == ECHO + "second"


def test_my_name_is_replaces_the_name_line() -> None:
    reply = reply_for(after_rounds("Hi, my name is Alice!", prompt=HUMAN_SYSTEM))
    arguments = {"label": "human", "old_string": "Name: Unknown", "new_string": "Name: Alice"}
    assert reply.tool_calls == (ToolCall("memory_replace", json.dumps(arguments)),)
    assert reply.content is None
    assert reply.finish_reason == "tool_calls"


@pytest.mark.parametrize(
    "prompt",
    [None, "no blocks here", "<human>\n<value>\nLikes: tea\n</value>\n</human>"],
)
def test_my_name_is_inserts_without_a_name_line(prompt: str | None) -> None:
    reply = reply_for(after_rounds("MY NAME IS Bob", prompt=prompt))
    arguments = {"label": "human", "new_string": "Name: Bob"}
    assert reply.tool_calls == (ToolCall("memory_insert", json.dumps(arguments)),)


def test_my_name_is_confirms_after_the_tool_round() -> None:
    reply = reply_for(after_rounds("my name is Alice", '{"status": "OK"}', prompt=HUMAN_SYSTEM))
    assert reply.content == "Got it! I've updated my memory with your name, Alice."
    assert reply.tool_calls == ()


def test_my_name_is_reports_a_failed_tool() -> None:
    failure = '{"status": "Failed", "message": "old_string not found"}'
    reply = reply_for(after_rounds("my name is Alice", failure, prompt=HUMAN_SYSTEM))
    assert reply.content == "I could not update my memory: " + failure


def test_what_is_my_name_reads_the_human_block() -> None:
    prompt = HUMAN_SYSTEM.replace("Name: Unknown", "Name: Carol")
    developer = {"role": "developer", "content": prompt}
    assert reply_for(chat(developer, user("What is my name?"))).content == "Your name is Carol."


@pytest.mark.parametrize("prompt", [None, "<human>\n<value>\nLikes: tea\n</value>\n</human>"])
def test_what_is_my_name_without_a_name(prompt: str | None) -> None:
    reply = reply_for(after_rounds("what is my name", prompt=prompt))
    assert reply.content == "I don't know your name yet."


# --- directives ------------------------------------------------------------------------------


def test_calls_run_one_per_round_then_report_the_last_result() -> None:
    text = 'Do it [[call first {"a": 1}]] [[call second {"b": [2]}]]'
    assert reply_for(after_rounds(text)).tool_calls == (ToolCall("first", '{"a": 1}'),)
    assert reply_for(after_rounds(text, "r1")).tool_calls == (ToolCall("second", '{"b": [2]}'),)
    final = reply_for(after_rounds(text, "r1", "r2"))
    assert final.content == "Done. Last tool result: r2"
    assert final.finish_reason == "stop"


def test_call_json_may_contain_brackets_quotes_and_newlines() -> None:
    arguments = {"text": 'say "]]" and [[loop]]\nnext line', "nested": [[1, 2], {"k": "]"}]}
    text = f"[[call  send_message\n{json.dumps(arguments, indent=2)}\n]] trailing"
    reply = reply_for(after_rounds(text))
    assert reply.tool_calls == (ToolCall("send_message", json.dumps(arguments)),)
    assert parse_directives(text).plain_text == "trailing"


def test_call_without_json_has_empty_arguments() -> None:
    assert reply_for(after_rounds("[[call ping]]")).tool_calls == (ToolCall("ping", "{}"),)


def test_raw_keeps_malformed_arguments_verbatim_and_shares_call_order() -> None:
    text = '[[call a {"x": 1}]] [[raw memory_insert {"label": "human",]]'
    assert reply_for(after_rounds(text)).tool_calls == (ToolCall("a", '{"x": 1}'),)
    second = reply_for(after_rounds(text, "ok"))
    assert second.tool_calls == (ToolCall("memory_insert", '{"label": "human",'),)


def test_raw_closing_brackets_take_the_end_of_a_bracket_run() -> None:
    reply = reply_for(after_rounds('[[raw f {"a": [1]]]'))
    assert reply.tool_calls == (ToolCall("f", '{"a": [1]'),)


def test_parallel_emits_every_call_at_once() -> None:
    text = "[[parallel]] [[call a {}]] [[raw b oops]]"
    first = reply_for(after_rounds(text))
    assert first.tool_calls == (ToolCall("a", "{}"), ToolCall("b", "oops"))
    assert reply_for(after_rounds(text, "done")).content == "Done. Last tool result: done"


def test_loop_never_stops_and_wins_over_calls() -> None:
    for rounds in range(4):
        reply = reply_for(after_rounds("[[loop]] [[call a {}]]", *["r"] * rounds))
        arguments = json.dumps({"query": f"loop {rounds}"})
        assert reply.tool_calls == (ToolCall("conversation_search", arguments),)


def test_reasoning_is_in_every_response_of_the_turn() -> None:
    text = "[[reasoning Let me [think] about it.]] [[call a {}]]"
    assert reply_for(after_rounds(text)).reasoning == "Let me [think] about it."
    assert reply_for(after_rounds(text, "r")).reasoning == "Let me [think] about it."


def test_say_replaces_every_final_text() -> None:
    assert reply_for(after_rounds("[[say  Bye now. ]] hi")).content == "Bye now."
    named = after_rounds("my name is Al [[say Noted.]]", "{}", prompt=HUMAN_SYSTEM)
    assert reply_for(named).content == "Noted."
    assert reply_for(after_rounds("[[call a {}]][[say Finished]]", "r")).content == "Finished"


def test_empty_gives_no_content_and_no_tool_calls() -> None:
    reply = reply_for(after_rounds("[[empty]]"))
    assert (reply.content, reply.tool_calls, reply.finish_reason) == ("", (), "stop")


def test_length_sets_the_finish_reason() -> None:
    reply = reply_for(after_rounds("[[length]] [[say cut off]]"))
    assert (reply.content, reply.finish_reason) == ("cut off", "length")


def test_error_directives() -> None:
    plain = reply_for(after_rounds("[[error 500]]"))
    assert plain.error == ErrorSpec(status=500, message="Fake LLM error 500", times=None)
    with_message = reply_for(after_rounds("[[error 429 Slow down, please]]"))
    assert with_message.error == ErrorSpec(status=429, message="Slow down, please", times=None)
    counted = reply_for(after_rounds("[[retry_after 90]] [[error_times 3 503 Busy]]"))
    assert counted.error == ErrorSpec(status=503, message="Busy", times=3, retry_after=90)
    with pytest.raises(DirectiveError):
        parse_directives("[[error_times many 503]]")
    once = reply_for(after_rounds("x [[error_once 503]]"))
    assert once.error == ErrorSpec(status=503, message="Fake LLM error 503", times=1)
    # The normal answer is still computed, for after an [[error_once]] has fired.
    assert once.user_text == "x [[error_once 503]]"
    assert once.content == ECHO + "x"


def test_prompt_tokens_directive() -> None:
    assert reply_for(after_rounds("[[prompt_tokens 3900]] hi")).prompt_tokens == 3900
    assert reply_for(after_rounds("hi")).prompt_tokens is None
    with pytest.raises(DirectiveError):
        parse_directives("[[prompt_tokens many]]")


def test_summary_requests_get_a_short_summary_and_ignore_old_directives() -> None:
    transcript = "user: [[loop]] remember walnut\nassistant: ok " + "x" * 500
    reply = reply_for(chat(system("Write a summary of this."), user(transcript)))
    assert reply.tool_calls == () and reply.content is not None
    assert reply.content.startswith("Summary: ") and len(reply.content) < 220
    assert "[[loop]]" not in reply.content


def test_sleep_can_start_at_a_later_round() -> None:
    text = '[[call memory_insert {"label": "human", "new_string": "x"}]] [[sleep 5 1]]'
    assert reply_for(after_rounds(text)).sleep_seconds == 0
    assert reply_for(after_rounds(text, "inserted")).sleep_seconds == 5


def test_sleep_is_parsed_as_float() -> None:
    reply = reply_for(after_rounds("[[sleep 0.25]] [[say ok]]"))
    assert (reply.sleep_seconds, reply.content) == (0.25, "ok")


def test_unknown_directives_stay_plain_text() -> None:
    text = "see [[note this]] and [[Say x]]"
    assert reply_for(after_rounds(text)).content == ECHO + text


@pytest.mark.parametrize(
    "text",
    [
        "[[call f {bad json}]]",
        '[[call f {"a": 1} extra]]',
        "[[call]]",
        "[[say unterminated",
        "[[sleep soon]]",
        "[[error 200]]",
        "[[error]]",
        "[[loop forever]]",
    ],
)
def test_malformed_directives_are_rejected(text: str) -> None:
    with pytest.raises(DirectiveError):
        reply_for(after_rounds(text))


def test_missing_messages_is_a_bad_request() -> None:
    with pytest.raises(BadRequest):
        reply_for({"model": "m"})


def test_usage_counts_characters_over_four() -> None:
    body = after_rounds('[[call f {"abcdefgh": 1}]]')
    reply = reply_for(body)
    prompt_tokens = len(json.dumps(body["messages"])) // 4
    completion_tokens = len('{"abcdefgh": 1}') // 4
    assert usage_for(body, reply) == {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    assert usage_for(body, Reply(content=""))["completion_tokens"] == 1
    assert usage_for(body, Reply(content="", prompt_tokens=3900))["prompt_tokens"] == 3900


# --- request constraints, obeyed like a real model -------------------------------------------


def offering(body: dict[str, Any], *tools: str, **constraints: Any) -> dict[str, Any]:
    """The request body with these tools offered and `tool_choice` / `response_format` set."""
    definitions = [
        {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
        for name in tools
    ]
    return {**body, "tools": definitions, **constraints}


def forced(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}


def test_a_named_tool_choice_is_called_with_the_directives_arguments_or_none() -> None:
    text = '[[call a {"x": 1}]] [[call b {"y": 2}]]'
    body = after_rounds(text)
    assert reply_for(offering(body, "a", "b", tool_choice=forced("b"))).tool_calls == (
        ToolCall("b", '{"y": 2}'),
    )
    assert reply_for(offering(body, "a", "c", tool_choice=forced("c"))).tool_calls == (
        ToolCall("c", "{}"),
    )
    answering = offering(after_rounds("just talk"), "a", tool_choice=forced("a"))
    assert reply_for(answering).tool_calls == (ToolCall("a", "{}"),)
    # A reply that already calls the named tool is left as scripted.
    assert reply_for(offering(body, "a", tool_choice=forced("a"))).tool_calls == (
        ToolCall("a", '{"x": 1}'),
    )


def test_a_required_tool_choice_turns_an_answer_into_a_call_of_the_first_tool() -> None:
    answer = offering(after_rounds("[[say hi]]"), "first", "second", tool_choice="required")
    reply = reply_for(answer)
    assert (reply.tool_calls, reply.finish_reason) == ((ToolCall("first", "{}"),), "tool_calls")
    calling = offering(after_rounds("[[call second]]"), "first", "second", tool_choice="required")
    assert reply_for(calling).tool_calls == (ToolCall("second", "{}"),)
    auto = offering(after_rounds("[[say hi]]"), "first", tool_choice="auto")
    assert reply_for(auto).content == "hi"


@pytest.mark.parametrize("kind", ["json_object", "json_schema"])
def test_a_json_response_format_wraps_a_plain_answer(kind: str) -> None:
    response_format = {"type": kind, "json_schema": {"name": "a", "schema": {}}}
    reply = reply_for({**after_rounds("[[say hi]]"), "response_format": response_format})
    assert json.loads(reply.content) == {"answer": "hi"}
    already = {**after_rounds('[[say {"k": 1}]]'), "response_format": response_format}
    assert reply_for(already).content == '{"k": 1}'
    calling = {**after_rounds("[[call a]]"), "response_format": response_format}
    assert reply_for(calling).tool_calls == (ToolCall("a", "{}"),)
    text = {**after_rounds("[[say hi]]"), "response_format": {"type": "text"}}
    assert reply_for(text).content == "hi"


def test_a_heartbeat_requiring_tools_makes_the_model_call_them_then_finish() -> None:
    reason = (
        "[This is an automated system message hidden from the user] ToolRuleViolated: "
        "You must call a, b at least once to exit the loop."
    )
    heartbeat = json.dumps({"type": "heartbeat", "reason": reason, "time": "now"}, indent=2)
    assert reply_for(after_rounds(heartbeat)).tool_calls == (ToolCall("a", "{}"),)
    assert reply_for(after_rounds(heartbeat, "ra")).tool_calls == (ToolCall("b", "{}"),)
    assert reply_for(after_rounds(heartbeat, "ra", "rb")).content == ("Done. Last tool result: rb")
    other = json.dumps({"type": "heartbeat", "reason": "Function called, returning control"})
    assert reply_for(after_rounds(other)).content == ECHO + other


# --- rendering -------------------------------------------------------------------------------


def rebuild_message(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Concatenate stream deltas the way an OpenAI client does."""
    message: dict[str, Any] = {"content": None, "reasoning": None, "calls": {}, "finish": None}
    for chunk in chunks:
        for choice in chunk["choices"]:
            delta = choice["delta"]
            if delta.get("content") is not None:
                message["content"] = (message["content"] or "") + delta["content"]
            if "reasoning_content" in delta:
                message["reasoning"] = (message["reasoning"] or "") + delta["reasoning_content"]
            for call in delta.get("tool_calls", []):
                slot = message["calls"].setdefault(call["index"], {"arguments": ""})
                slot.update({k: v for k, v in call.items() if k in ("id", "type")})
                slot.setdefault("name", call["function"].get("name"))
                slot["arguments"] += call["function"]["arguments"]
            message["finish"] = choice["finish_reason"] or message["finish"]
    return message


@pytest.mark.parametrize(
    "reply",
    [
        Reply(content="Hello there, streaming world!", reasoning="Thinking it through."),
        Reply(content="", finish_reason="length"),
        Reply(
            content=None,
            tool_calls=(ToolCall("a", '{"query": "long enough"}'), ToolCall("b", "{")),
            finish_reason="tool_calls",
        ),
    ],
)
def test_stream_deltas_rebuild_the_completion(reply: Reply) -> None:
    call_ids = tuple(f"call_{index}" for index in range(len(reply.tool_calls)))
    envelope = Envelope("chatcmpl-1", 0, "m", call_ids)
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    message = completion_body(reply, envelope, usage)["choices"][0]["message"]
    chunks = list(stream_chunks(reply, envelope, usage, include_usage=True))
    rebuilt = rebuild_message(chunks)
    assert rebuilt["content"] == message["content"]
    assert rebuilt["reasoning"] == message.get("reasoning_content")
    expected_calls = [
        {"id": c["id"], "type": "function", **c["function"]} for c in message.get("tool_calls", [])
    ]
    assert list(rebuilt["calls"].values()) == expected_calls
    assert rebuilt["finish"] == reply.finish_reason
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == usage


def test_stream_splits_into_small_pieces() -> None:
    reply = Reply(content="abcdefghij", reasoning="0123456789")
    envelope = Envelope("chatcmpl-1", 0, "m", ())
    chunks = list(stream_chunks(reply, envelope, {}, include_usage=False))
    deltas = [chunk["choices"][0]["delta"] for chunk in chunks]
    assert [d["content"] for d in deltas if "content" in d and "role" not in d] == [
        "abcd",
        "efgh",
        "ij",
    ]
    assert len([d for d in deltas if "reasoning_content" in d]) == 3
    assert all("usage" not in chunk for chunk in chunks)


# --- embeddings ------------------------------------------------------------------------------


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embeddings_are_deterministic_unit_vectors() -> None:
    vector = embed("The cat sat on the mat", 32)
    assert len(vector) == 32
    assert math.isclose(sum(v * v for v in vector), 1.0)
    assert vector == embed("the CAT sat, on the mat!", 32)
    assert math.isclose(sum(v * v for v in embed("", 8)), 1.0)


def test_embeddings_rank_shared_words_higher() -> None:
    query = embed("favourite colour is blue")
    related = embed("my favourite colour is blue and green")
    unrelated = embed("quarterly revenue projections spreadsheet")
    assert cosine(query, related) > cosine(query, unrelated)


def test_embeddings_response_shapes_and_base64() -> None:
    response = embeddings_response({"input": ["a b", "c"], "model": "e", "dimensions": 8})
    assert [item["index"] for item in response["data"]] == [0, 1]
    assert response["model"] == "e"
    assert response["usage"] == {"prompt_tokens": 3, "total_tokens": 3}
    encoded = embeddings_response({"input": "a b", "dimensions": 8, "encoding_format": "base64"})
    decoded = struct.unpack("<8f", base64.b64decode(encoded["data"][0]["embedding"]))
    expected = response["data"][0]["embedding"]
    assert all(math.isclose(x, y, rel_tol=1e-6) for x, y in zip(decoded, expected, strict=True))
    with pytest.raises(BadRequest):
        embeddings_response({"input": [1, 2, 3]})


def test_embeddings_error_directive() -> None:
    assert requested_error({"input": ["fine", "boom [[error 503]]"]}) == 503
    assert requested_error({"input": "no directive here"}) is None


# --- the real server, through the real openai client -----------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(process: subprocess.Popen[bytes], base_url: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"fake LLM exited early: {process.communicate()}")
        try:
            httpx.get(f"{base_url}/models", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise TimeoutError("fake LLM did not start")


@pytest.fixture(scope="module")
def fake_llm_url(request: pytest.FixtureRequest) -> str:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_llm", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def stop() -> None:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()

    request.addfinalizer(stop)
    base_url = f"http://127.0.0.1:{port}/v1"
    wait_until_ready(process, base_url)
    return base_url


@pytest.fixture
def client(fake_llm_url: str) -> Iterator[openai.OpenAI]:
    httpx.delete(fake_llm_url.removesuffix("/v1") + "/_requests").raise_for_status()
    with openai.OpenAI(base_url=fake_llm_url, api_key="test", max_retries=0) as client:
        yield client


def recorded_requests(client: openai.OpenAI) -> list[dict[str, Any]]:
    response = httpx.get(str(client.base_url).removesuffix("/v1/") + "/_requests")
    response.raise_for_status()
    return list(response.json())


TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {"name": "archival_memory_search", "parameters": {"type": "object"}},
    }
]
SCRIPTED = [
    system("You are Letta."),
    user('[[reasoning Searching first.]] [[call archival_memory_search {"query": "tea [x]"}]]'),
]


def test_models_are_listed(client: openai.OpenAI) -> None:
    assert "gpt-4o-mini" in [model.id for model in client.models.list()]


def test_non_streaming_tool_call(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="my-model", messages=SCRIPTED, tools=TOOLS)
    choice = completion.choices[0]
    assert completion.model == "my-model"
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls or []
    assert call.id.startswith("call_") and len(call.id) == len("call_") + 24
    assert call.function.name == "archival_memory_search"  # type: ignore[union-attr]
    assert json.loads(call.function.arguments) == {"query": "tea [x]"}  # type: ignore[union-attr]
    assert getattr(choice.message, "reasoning_content", None) == "Searching first."
    assert completion.usage is not None and completion.usage.total_tokens > 0


@dataclass
class StreamedMessage:
    content: str | None = None
    reasoning: str | None = None
    names: list[str] = field(default_factory=list)
    arguments: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    total_tokens: int = 0


def collect_stream(stream: Iterable[ChatCompletionChunk]) -> StreamedMessage:
    """Concatenate the deltas of a stream, as an agent loop consuming it would."""
    streamed = StreamedMessage()
    for chunk in stream:
        if chunk.usage is not None:
            streamed.total_tokens = chunk.usage.total_tokens
        for choice in chunk.choices:
            add_delta(streamed, choice.delta)
            streamed.finish_reason = choice.finish_reason or streamed.finish_reason
    return streamed


def add_delta(streamed: StreamedMessage, delta: ChoiceDelta) -> None:
    if delta.content is not None:
        streamed.content = (streamed.content or "") + delta.content
    reasoning = getattr(delta, "reasoning_content", None)
    if reasoning is not None:
        streamed.reasoning = (streamed.reasoning or "") + reasoning
    for call in delta.tool_calls or []:
        if call.index == len(streamed.arguments):
            streamed.names.append("")
            streamed.arguments.append("")
        if call.function is not None:
            streamed.names[call.index] += call.function.name or ""
            streamed.arguments[call.index] += call.function.arguments or ""


@pytest.mark.parametrize(
    "messages",
    [SCRIPTED, [user("[[reasoning Hmm, let me think.]] Tell me something long-ish.")]],
)
def test_streaming_matches_non_streaming(client: openai.OpenAI, messages: list[Any]) -> None:
    whole = client.chat.completions.create(model="m", messages=messages, tools=TOOLS)
    stream = client.chat.completions.create(
        model="m",
        messages=messages,
        tools=TOOLS,
        stream=True,
        stream_options={"include_usage": True},
    )
    streamed = collect_stream(stream)
    message = whole.choices[0].message
    assert streamed.content == message.content
    assert streamed.reasoning == getattr(message, "reasoning_content", None)
    calls = message.tool_calls or []
    assert streamed.arguments == [c.function.arguments for c in calls]  # type: ignore[union-attr]
    assert streamed.names == [c.function.name for c in calls]  # type: ignore[union-attr]
    assert streamed.finish_reason == whole.choices[0].finish_reason
    assert streamed.total_tokens > 0


def test_embeddings_endpoint(client: openai.OpenAI) -> None:
    response = client.embeddings.create(
        model="text-embedding-3-small", input=["blue sky", "sky is blue", "tax forms"]
    )
    vectors = [item.embedding for item in response.data]
    assert [len(vector) for vector in vectors] == [64, 64, 64]
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])
    # The client asks for base64 (float32) by default, so compare approximately.
    assert all(
        math.isclose(x, y, rel_tol=1e-6) for x, y in zip(vectors[0], embed("blue sky"), strict=True)
    )
    sized = client.embeddings.create(
        model="e", input="blue sky", dimensions=16, encoding_format="float"
    )
    assert sized.data[0].embedding == embed("blue sky", 16)


def test_error_directive_raises(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as raised:
        client.chat.completions.create(model="m", messages=[user("[[error 500 Boom]]")])
    assert raised.value.status_code == 500
    assert raised.value.body == {
        "message": "Boom",
        "type": "server_error",
        "param": None,
        "code": None,
    }


def test_error_once_fails_only_the_first_time(client: openai.OpenAI) -> None:
    messages = [user("retry me [[error_once 429]]")]
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="m", messages=messages)
    completion = client.chat.completions.create(model="m", messages=messages)
    assert completion.choices[0].message.content == (ECHO + "retry me")


def test_error_times_fails_that_many_times_with_retry_after(client: openai.OpenAI) -> None:
    messages = [user("three strikes [[error_times 3 503]] [[retry_after 90]]")]
    for _ in range(3):
        with pytest.raises(openai.InternalServerError) as raised:
            client.chat.completions.create(model="m", messages=messages)
        assert raised.value.response.headers["retry-after"] == "90"
    completion = client.chat.completions.create(model="m", messages=messages)
    assert completion.choices[0].message.content == ECHO + "three strikes"


def test_sleep_delays_the_answer(client: openai.OpenAI) -> None:
    started = time.monotonic()
    completion = client.chat.completions.create(model="m", messages=[user("[[sleep 0.3]] hi")])
    assert time.monotonic() - started >= 0.3
    assert completion.choices[0].message.content == ECHO + "hi"
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="m", messages=[user("[[sleep 5]]")], timeout=0.2)


def test_requests_are_recorded_and_cleared(client: openai.OpenAI) -> None:
    client.chat.completions.create(model="m", messages=[system("SYS"), user("hi")])
    client.embeddings.create(model="e", input="hi")
    [chat_request, embedding_request] = recorded_requests(client)
    assert chat_request["path"] == "/v1/chat/completions"
    assert chat_request["body"]["messages"][0] == {"role": "system", "content": "SYS"}
    assert chat_request["headers"]["authorization"] == "Bearer test"
    assert embedding_request["path"] == "/v1/embeddings"
    assert embedding_request["body"]["input"] == "hi"
    httpx.delete(str(client.base_url).removesuffix("/v1/") + "/_requests").raise_for_status()
    assert recorded_requests(client) == []


def test_malformed_directive_is_a_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="invalid JSON"):
        client.chat.completions.create(model="m", messages=[user("[[call f {nope}]]")])
