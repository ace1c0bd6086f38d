"""Conversations through the official Python SDK (letta-client 1.12.1), strictly validated.

Every one of the 13 conversation operations, the default conversation, named conversations'
separate histories, isolated blocks, memory shared across conversations, resuming and
cancelling runs, and the error cases. The SDK types a non-streaming send as a stream, so those
go through `send_json` (the raw response, validated as the `LettaResponse` it is), and it has no
method for the preview route, which goes through the client's generic `post`.
"""

import uuid
from typing import Any

import pytest
from letta_client import (
    BadRequestError,
    ConflictError,
    Letta,
    NotFoundError,
    UnprocessableEntityError,
)

from tests.factories import (
    SEED_HUMAN,
    call_directive,
    create_seed_agent,
    missing_id,
    send_json,
    wait_for,
)
from tests.servers import FakeLLM, LettaliteServer

ECHO = "Hello! I'm your stateful assistant. You said: "
SEARCH = call_directive("conversation_search", query="nothing here")


def kinds(chunks: list[Any]) -> list[str]:
    return [chunk.message_type for chunk in chunks]


def texts(client: Letta, conversation_id: str, kind: str, **params: Any) -> list[str]:
    """The contents of one kind of message of a conversation, oldest first."""
    messages = client.conversations.messages.list(conversation_id, order="asc", **params)
    return [m.content for m in messages if m.message_type == kind]


def replies(response: Any) -> list[str]:
    return [m.content for m in response.messages if m.message_type == "assistant_message"]


def start_background(client: Letta, conversation_id: str, text: str, **params: Any) -> str:
    """Start a background turn, read its first frame (the ping naming the run), hang up."""
    stream = client.conversations.messages.create(
        conversation_id, input=text, background=True, **params
    )
    ping = next(iter(stream))
    stream.close()
    assert ping.message_type == "ping" and ping.run_id.startswith("run-")
    return ping.run_id


def without_compile_time(system_prompt: str) -> str:
    return "\n".join(
        line for line in system_prompt.splitlines() if "System prompt last recompiled" not in line
    )


def finished(client: Letta, run_id: str) -> Any:
    return wait_for(
        lambda: (r := client.runs.retrieve(run_id)).status not in ("created", "running") and r
    )


# --- create, retrieve, update, list, delete ------------------------------------------------


def test_create_retrieve_update_delete(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id, summary="planning a trip")
    assert conversation.id.startswith("conv-") and conversation.agent_id == agent.id
    assert (conversation.summary, conversation.in_context_message_ids) == ("planning a trip", [])
    assert conversation.isolated_block_ids == [] and conversation.last_message_at is None

    fetched = client.conversations.retrieve(conversation.id)
    [system_id] = fetched.in_context_message_ids
    [system] = client.conversations.messages.list(conversation.id)
    assert (system.id, system.message_type) == (system_id, "system_message")
    assert SEED_HUMAN in system.content  # compiled from the agent's blocks at create

    stamp = "2030-01-02T03:04:05Z"
    updated = client.conversations.update(
        conversation.id, summary="a trip to Lisbon", last_message_at=stamp
    )
    assert updated.summary == "a trip to Lisbon"
    assert updated.last_message_at.isoformat().startswith("2030-01-02T03:04:05")
    # null leaves a field as it is
    assert client.conversations.update(conversation.id, summary=None).summary == "a trip to Lisbon"
    assert client.conversations.retrieve(conversation.id).summary == "a trip to Lisbon"

    assert client.conversations.delete(conversation.id) is None
    with pytest.raises(NotFoundError):
        client.conversations.retrieve(conversation.id)
    with pytest.raises(NotFoundError):
        client.conversations.delete(conversation.id)
    with pytest.raises(NotFoundError):
        client.conversations.messages.list(conversation.id)
    assert conversation.id not in [c.id for c in client.conversations.list(agent_id=agent.id)]


def test_delete_is_refused_while_a_run_is_active_and_removes_the_history(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)
    run_id = start_background(client, conversation.id, "[[sleep 1.5]] delete me later")
    with pytest.raises(ConflictError):
        client.conversations.delete(conversation.id)
    assert finished(client, run_id).status == "completed"
    assert len(list(client.conversations.messages.list(conversation.id))) == 3

    client.conversations.delete(conversation.id)
    with pytest.raises(NotFoundError):
        client.conversations.delete(conversation.id)
    remaining = client.agents.messages.list(agent.id)
    assert "user_message" not in kinds(list(remaining))
    assert list(client.messages.list(conversation_id=conversation.id)) == []


def test_list_orders_filters_and_pages(client: Letta) -> None:
    agent = create_seed_agent(client)
    other = create_seed_agent(client, name="other")
    first, second, third = (
        client.conversations.create(agent_id=agent.id, summary=summary)
        for summary in ("alpha one", "beta two", "two alphas")
    )
    foreign = client.conversations.create(agent_id=other.id, summary="alpha elsewhere")
    ids = [first.id, second.id, third.id]

    def listed(**params: Any) -> list[str]:
        return [c.id for c in client.conversations.list(agent_id=agent.id, **params)]

    assert listed() == ids[::-1]  # newest first by default
    assert listed(order="asc") == ids
    assert listed(limit=2) == [third.id, second.id]
    assert listed(after=second.id) == [first.id]
    assert listed(order="asc", after=first.id, limit=1) == [second.id]
    assert set(listed(summary_search="alpha")) == {first.id, third.id}  # a substring
    assert listed(summary_search="two") == [third.id, second.id]
    everyone = [c.id for c in client.conversations.list(limit=1000)]
    assert set(ids) | {foreign.id} <= set(everyone)

    send_json(client, second.id, input="second speaks first")
    send_json(client, first.id, input="then the first")
    assert listed(order_by="last_message_at")[:2] == [first.id, second.id]
    assert listed(order_by="last_run_completion")[:2] == [first.id, second.id]
    # Ascending too, the never-used conversation comes last.
    ascending = [second.id, first.id, third.id]
    assert listed(order_by="last_message_at", order="asc") == ascending
    assert listed(order_by="last_message_at", order="asc", after=second.id) == ascending[1:]


def test_list_by_activity_puts_never_used_conversations_last(client: Letta) -> None:
    """Letta sorts by last_message_at / last_run_completion with NULLs last, either order."""
    agent = create_seed_agent(client)
    quiet = client.conversations.create(agent_id=agent.id)
    busy = client.conversations.create(agent_id=agent.id)
    send_json(client, busy.id, input="only this one speaks")
    for order_by in ("last_message_at", "last_run_completion"):
        for order in ("desc", "asc"):
            listed = client.conversations.list(agent_id=agent.id, order_by=order_by, order=order)
            assert [c.id for c in listed] == [busy.id, quiet.id], (order_by, order)


# --- sending: streamed, JSON, default conversation ------------------------------------------


def test_streamed_and_json_sends_to_a_named_conversation(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)

    chunks = list(client.conversations.messages.create(conversation.id, input="streamed hello"))
    assert kinds(chunks) == ["ping", "assistant_message", "stop_reason", "usage_statistics"]
    run_id = chunks[0].run_id
    assert chunks[1].content == ECHO + "streamed hello" and chunks[1].run_id == run_id
    assert chunks[2].stop_reason == "end_turn" and chunks[3].run_ids == [run_id]
    run = client.runs.retrieve(run_id)
    assert (run.status, run.stop_reason) == ("completed", "end_turn")

    filtered = client.conversations.messages.create(
        conversation.id,
        input="filtered hello",
        include_pings=False,
        include_return_message_types=["user_message"],
    )
    assert kinds(list(filtered)) == ["stop_reason", "usage_statistics"]

    response = send_json(client, conversation.id, input="json hello")
    assert replies(response) == [ECHO + "json hello"]
    assert response.stop_reason.stop_reason == "end_turn" and response.usage.step_count == 1
    assert texts(client, conversation.id, "user_message") == [
        "streamed hello",
        "filtered hello",
        "json hello",
    ]
    assert client.conversations.retrieve(conversation.id).last_message_at is not None
    # The agent's default conversation is untouched.
    assert "user_message" not in kinds(
        list(client.agents.messages.list(agent.id, conversation_id="default"))
    )


def test_runs_name_their_conversation(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)
    named = send_json(client, conversation.id, input="named run").usage.run_ids[0]
    default = send_json(client, "default", agent_id=agent.id, input="default run").usage.run_ids[0]
    assert client.runs.retrieve(named).conversation_id == conversation.id
    assert client.runs.retrieve(default).conversation_id is None
    assert [r.id for r in client.runs.list(conversation_id=conversation.id)] == [named]


def test_default_conversation_through_agent_id(client: Letta) -> None:
    agent = create_seed_agent(client)
    chunks = list(
        client.conversations.messages.create("default", agent_id=agent.id, input="to default")
    )
    assert chunks[1].content == ECHO + "to default"
    response = send_json(client, "default", agent_id=agent.id, input="json to default")
    assert replies(response) == [ECHO + "json to default"]

    expected = ["to default", "json to default"]
    assert texts(client, "default", "user_message", agent_id=agent.id) == expected
    assert texts(client, agent.id, "user_message") == expected  # the older agent-id form
    older = list(client.conversations.messages.create(agent.id, input="agent id as path"))
    assert older[1].content == ECHO + "agent id as path"
    expected.append("agent id as path")
    listed = client.agents.messages.list(agent.id, conversation_id="default", order="asc")
    assert [m.content for m in listed if m.message_type == "user_message"] == expected
    assert client.conversations.list(agent_id=agent.id) == []  # default is not listed

    with pytest.raises(NotFoundError):
        client.conversations.messages.list("default")
    with pytest.raises(NotFoundError):
        client.conversations.messages.create("default", input="no agent", streaming=True)
    with pytest.raises(NotFoundError):
        send_json(client, "default", input="no agent")
    with pytest.raises(NotFoundError):
        client.conversations.messages.list("default", agent_id=missing_id("agent"))


def test_named_conversations_keep_separate_histories(client: Letta, fake_llm: FakeLLM) -> None:
    agent = create_seed_agent(client)
    left = client.conversations.create(agent_id=agent.id)
    right = client.conversations.create(agent_id=agent.id)
    send_json(client, left.id, input="left one")
    send_json(client, "default", agent_id=agent.id, input="default one")
    fake_llm.clear()
    send_json(client, right.id, input="right one")
    send_json(client, left.id, input="left two")

    assert texts(client, left.id, "user_message") == ["left one", "left two"]
    assert texts(client, right.id, "user_message") == ["right one"]
    [right_request, left_request] = fake_llm.chat_requests()
    seen_right = [m["content"] for m in right_request["messages"][1:]]
    assert seen_right == ["right one"]
    seen_left = [m["content"] for m in left_request["messages"][1:]]
    assert seen_left == ["left one", ECHO + "left one", "left two"]

    def agent_view(conversation_id: str | None) -> list[str]:
        params = {} if conversation_id is None else {"conversation_id": conversation_id}
        listed = client.agents.messages.list(agent.id, order="asc", **params)
        return [m.content for m in listed if m.message_type == "user_message"]

    assert agent_view(left.id) == ["left one", "left two"]
    assert agent_view(right.id) == ["right one"]
    assert agent_view("default") == ["default one"]
    assert sorted(agent_view(None)) == sorted(["left one", "default one", "right one", "left two"])

    # /v1/messages: one message by id, all messages, filtered by conversation, searched.
    user_id = next(
        m.id
        for m in client.conversations.messages.list(right.id)
        if m.message_type == "user_message"
    )
    [one] = client.messages.retrieve(user_id)
    assert (one.id, one.content) == (user_id, "right one")
    in_right = client.messages.list(conversation_id=right.id, order="asc")
    assert [m.message_type for m in in_right][0] == "system_message"
    assert [m.content for m in in_right][1:] == ["right one", ECHO + "right one"]
    in_default = client.messages.list(conversation_id="default", limit=1000)
    in_default_texts = [getattr(m, "content", None) for m in in_default]
    assert "default one" in in_default_texts and "right one" not in in_default_texts
    found = client.messages.search(
        query="left", agent_id=agent.id, conversation_id=left.id, limit=10
    )
    assert {(r.conversation_id, r.agent_id) for r in found} == {(left.id, agent.id)}
    assert {r.message_type for r in found} <= {"user_message", "assistant_message"}
    assert {"left one", "left two"} <= {r.content for r in found}


def test_preview_shows_the_model_request_without_calling_the_model(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)
    send_json(client, conversation.id, input="earlier")
    fake_llm.clear()
    tool = {"name": "open_door", "description": "Open a door", "parameters": None}
    body = {"input": "what would you send?", "client_tools": [tool]}
    preview = client.post(
        f"/v1/conversations/{conversation.id}/messages/preview-raw-payload",
        cast_to=object,
        body=body,
    )
    assert preview["model"] == "gpt-4o-mini"
    roles = [m["role"] for m in preview["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert preview["messages"][-1]["content"] == "what would you send?"
    offered = {t["function"]["name"]: t["function"] for t in preview["tools"]}
    assert offered["open_door"]["parameters"] == {"type": "object", "properties": {}}
    assert "conversation_search" in offered
    assert fake_llm.chat_requests() == []
    assert texts(client, conversation.id, "user_message") == ["earlier"]
    default_preview = client.post(
        "/v1/conversations/default/messages/preview-raw-payload",
        cast_to=object,
        body={"input": "via default", "agent_id": agent.id},
    )
    assert [m["role"] for m in default_preview["messages"]][-1] == "user"
    skill = {"name": "pdf", "description": "Read PDFs", "location": "/skills/pdf"}
    overridden = client.post(
        f"/v1/conversations/{conversation.id}/messages/preview-raw-payload",
        cast_to=object,
        body={"input": "x", "override_system": "You are a test.", "client_skills": [skill]},
    )
    system = overridden["messages"][0]["content"]
    assert system.startswith("You are a test.") and "/skills/pdf" in system


# --- memory: isolated blocks and edits seen everywhere --------------------------------------


def test_isolated_block_is_a_private_copy(client: Letta) -> None:
    agent = create_seed_agent(client)
    private = client.conversations.create(
        agent_id=agent.id, extra_body={"isolated_block_labels": ["human"]}
    )
    shared = client.conversations.create(agent_id=agent.id)
    [block_id] = private.isolated_block_ids
    shared_human = client.agents.blocks.retrieve("human", agent_id=agent.id)
    assert block_id != shared_human.id
    assert client.blocks.retrieve(block_id).value == SEED_HUMAN

    answer = send_json(client, private.id, input="My name is Alice.")
    assert replies(answer) == ["Got it! I've updated my memory with your name, Alice."]
    assert client.blocks.retrieve(block_id).value.startswith("Name: Alice")
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value == SEED_HUMAN
    assert replies(send_json(client, shared.id, input="What is my name?")) == ["Your name is User."]
    assert replies(send_json(client, private.id, input="What is my name?")) == [
        "Your name is Alice."
    ]
    assert client.conversations.retrieve(private.id).isolated_block_ids == [block_id]

    # An edit of the shared block does not reach the private copy, and the other way round.
    send_json(client, shared.id, input="My name is Zed.")
    assert replies(send_json(client, private.id, input="What is my name?")) == [
        "Your name is Alice."
    ]
    client.blocks.update(block_id, value="Name: Yara")  # the copy, through the blocks API
    assert replies(send_json(client, private.id, input="What is my name?")) == [
        "Your name is Yara."
    ]
    assert replies(send_json(client, shared.id, input="What is my name?")) == ["Your name is Zed."]
    assert "Name: Yara" in client.conversations.recompile(private.id, dry_run=True)
    assert "Name: Yara" not in client.conversations.recompile(shared.id, dry_run=True)

    with pytest.raises(BadRequestError) as error:
        client.conversations.create(
            agent_id=agent.id, extra_body={"isolated_block_labels": ["nope"]}
        )
    assert error.value.body["detail"] == (
        f"INVALID_ARGUMENT: Block with label 'nope' not found on agent '{agent.id}'"
    )


def test_memory_edit_is_seen_by_every_other_conversation_next_turn(client: Letta) -> None:
    agent = create_seed_agent(client)
    editor = client.conversations.create(agent_id=agent.id)
    reader = client.conversations.create(agent_id=agent.id)
    assert replies(send_json(client, reader.id, input="What is my name?")) == ["Your name is User."]
    send_json(client, editor.id, input="My name is Bob.")
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value.startswith("Name: Bob")
    assert replies(send_json(client, reader.id, input="What is my name?")) == ["Your name is Bob."]
    default_answer = send_json(client, "default", agent_id=agent.id, input="What is my name?")
    assert replies(default_answer) == ["Your name is Bob."]
    [system] = [
        m.content
        for m in client.conversations.messages.list(reader.id)
        if m.message_type == "system_message"
    ]
    assert "Name: Bob" in system

    client.agents.blocks.update("human", agent_id=agent.id, value="Name: Zoe")
    for conversation_id, params in (
        (reader.id, {}),
        (editor.id, {}),
        ("default", {"agent_id": agent.id}),
    ):
        answer = send_json(client, conversation_id, input="What is my name?", **params)
        assert replies(answer) == ["Your name is Zoe."]


def test_recompile_returns_the_prompt_as_text_and_dry_run_keeps_it(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)

    def system_text(conversation_id: str, **params: Any) -> str:
        messages = client.conversations.messages.list(conversation_id, order="asc", **params)
        return next(m.content for m in messages if m.message_type == "system_message")

    client.agents.blocks.update("persona", agent_id=agent.id, value="I am a pirate.")
    raw = client.conversations.with_raw_response.recompile(conversation.id, dry_run=True)
    assert raw.http_response.headers["content-type"].startswith("text/plain")
    dry = client.conversations.recompile(conversation.id, dry_run=True)
    assert isinstance(dry, str) and "I am a pirate." in dry
    assert "I am a pirate." not in system_text(conversation.id)
    prompt = client.conversations.recompile(conversation.id)
    assert prompt == system_text(conversation.id)
    assert without_compile_time(prompt) == without_compile_time(dry)

    default_prompt = client.conversations.recompile("default", agent_id=agent.id)
    assert "I am a pirate." in default_prompt
    assert default_prompt == system_text("default", agent_id=agent.id)


def test_compact_summarizes_and_refuses_when_nothing_can_go(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)
    with pytest.raises(BadRequestError):
        client.conversations.messages.compact(conversation.id)
    for n in range(3):
        send_json(client, conversation.id, input=f"turn number {n}")
    result = client.conversations.messages.compact(conversation.id)
    assert result.summary.startswith("Summary: ")
    assert result.num_messages_before == 7  # system + 3 x (user, assistant)
    assert result.num_messages_after < result.num_messages_before
    window = client.conversations.retrieve(conversation.id).in_context_message_ids
    assert len(window) == result.num_messages_after
    # Still answers after compaction, from the summary plus what was kept.
    assert replies(send_json(client, conversation.id, input="still there?")) == [
        ECHO + "still there?"
    ]

    for n in range(3):
        send_json(client, "default", agent_id=agent.id, input=f"default turn {n}")
    default_result = client.conversations.messages.compact("default", agent_id=agent.id)
    assert default_result.num_messages_after < default_result.num_messages_before

    # A fork of a compacted conversation starts from its summary and what was kept.
    source_window = client.conversations.retrieve(conversation.id).in_context_message_ids
    fork = client.conversations.fork(conversation.id)
    fork_window = client.conversations.retrieve(fork.id).in_context_message_ids
    assert len(fork_window) == len(source_window)
    contents = {
        m.id: getattr(m, "content", None)
        for m in client.conversations.messages.list(conversation.id)
    }
    fork_contents = {
        m.id: getattr(m, "content", None) for m in client.conversations.messages.list(fork.id)
    }
    assert [fork_contents[i] for i in fork_window[1:]] == [contents[i] for i in source_window[1:]]
    assert any(result.summary in str(fork_contents[i]) for i in fork_window[1:])
    assert replies(send_json(client, fork.id, input="forked after compaction")) == [
        ECHO + "forked after compaction"
    ]


def test_model_of_a_conversation_and_per_request_override(client: Letta, fake_llm: FakeLLM) -> None:
    agent = create_seed_agent(client)
    settings = {"provider_type": "openai", "temperature": 0.5}
    conversation = client.conversations.create(
        agent_id=agent.id, model="openai/gpt-4o", model_settings=settings
    )
    assert conversation.model == "openai/gpt-4o"
    assert conversation.api_model_settings.temperature == 0.5
    listed = client.conversations.list(agent_id=agent.id)[0]
    assert (listed.model, listed.api_model_settings.temperature) == ("openai/gpt-4o", 0.5)

    send_json(client, conversation.id, input="which model?")
    assert fake_llm.chat_requests()[-1]["model"] == "gpt-4o"
    send_json(client, conversation.id, input="and now?", override_model="openai/gpt-4.1")
    assert fake_llm.chat_requests()[-1]["model"] == "gpt-4.1"
    send_json(client, "default", agent_id=agent.id, input="the agent's own")
    assert fake_llm.chat_requests()[-1]["model"] == "gpt-4o-mini"

    updated = client.conversations.update(conversation.id, model="openai/gpt-4.1-mini")
    assert updated.model == "openai/gpt-4.1-mini"
    send_json(client, conversation.id, input="after the update")
    assert fake_llm.chat_requests()[-1]["model"] == "gpt-4.1-mini"
    with pytest.raises(BadRequestError):
        client.conversations.update(conversation.id, model="no-slash")


def test_message_listing_pages_and_filters(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)
    for n in range(3):
        send_json(client, conversation.id, input=f"page {n}")
    everything = [m.id for m in client.conversations.messages.list(conversation.id, limit=100)]
    assert len(everything) == 7 and len(set(everything)) == 7
    # The SDK pages with `after` = the last id; a small limit must walk the same listing.
    paged = [m.id for m in client.conversations.messages.list(conversation.id, limit=2)]
    assert paged == everything
    ascending = [
        m.id for m in client.conversations.messages.list(conversation.id, order="asc", limit=3)
    ]
    assert ascending == everything[::-1]
    first_page = client.conversations.messages.list(conversation.id, limit=2).items
    assert [m.id for m in first_page] == everything[:2]
    before = client.conversations.messages.list(
        conversation.id, before=everything[2], limit=10
    ).items
    assert [m.id for m in before] == everything[:2]
    users = client.conversations.messages.list(
        conversation.id, include_return_message_types=["user_message"], order="asc"
    )
    assert [m.content for m in users] == ["page 0", "page 1", "page 2"]


def test_deleting_the_agent_deletes_its_conversations(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(
        agent_id=agent.id, extra_body={"isolated_block_labels": ["human"]}
    )
    send_json(client, conversation.id, input="soon gone")
    client.agents.delete(agent.id)
    with pytest.raises(NotFoundError):
        client.conversations.retrieve(conversation.id)
    with pytest.raises(NotFoundError):
        client.blocks.retrieve(conversation.isolated_block_ids[0])
    assert conversation.id not in [c.id for c in client.conversations.list(limit=1000)]


# --- fork ---------------------------------------------------------------------------------


def test_fork_copies_messages_and_isolated_blocks(client: Letta) -> None:
    agent = create_seed_agent(client)
    source = client.conversations.create(
        agent_id=agent.id, summary="source", extra_body={"isolated_block_labels": ["human"]}
    )
    send_json(client, source.id, input="My name is Dana.")
    send_json(client, source.id, input="remember the fork")
    before = client.conversations.retrieve(source.id).in_context_message_ids

    fork = client.conversations.fork(source.id)
    assert fork.id != source.id and fork.agent_id == agent.id
    assert (fork.summary, fork.in_context_message_ids) == (None, [])
    [fork_block] = fork.isolated_block_ids
    assert fork_block != source.isolated_block_ids[0]
    assert client.blocks.retrieve(fork_block).value.startswith("Name: Dana")

    window = client.conversations.retrieve(fork.id).in_context_message_ids
    assert len(window) == len(before) and not set(window) & set(before)
    source_messages = list(client.conversations.messages.list(source.id, order="asc"))
    fork_messages = list(client.conversations.messages.list(fork.id, order="asc"))
    assert [m.id for m in fork_messages] == window
    assert kinds(fork_messages) == kinds(source_messages)
    assert [getattr(m, "content", None) for m in fork_messages[1:]] == [
        getattr(m, "content", None) for m in source_messages[1:]
    ]
    # Compiled anew (its own id), from the same memory; only the compile time may differ.
    assert fork_messages[0].id not in before
    assert without_compile_time(fork_messages[0].content) == without_compile_time(
        source_messages[0].content
    )

    # The fork goes its own way: its history and its block copy.
    send_json(client, fork.id, input="My name is Eve.")
    assert replies(send_json(client, fork.id, input="What is my name?")) == ["Your name is Eve."]
    assert replies(send_json(client, source.id, input="What is my name?")) == ["Your name is Dana."]
    assert "My name is Eve." not in texts(client, source.id, "user_message")
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value == SEED_HUMAN

    # The fork owns its copies: deleting the source leaves it whole.
    fork_window = client.conversations.retrieve(fork.id).in_context_message_ids
    client.conversations.delete(source.id)
    assert client.conversations.retrieve(fork.id).in_context_message_ids == fork_window
    assert client.blocks.retrieve(fork_block).value.startswith("Name: Eve")

    send_json(client, "default", agent_id=agent.id, input="from the default")
    default_fork = client.conversations.fork("default", agent_id=agent.id)
    assert texts(client, default_fork.id, "user_message") == ["from the default"]
    assert texts(client, default_fork.id, "assistant_message") == [ECHO + "from the default"]


# --- resuming streams ---------------------------------------------------------------------


def test_resume_by_run_id_otid_active_run_and_starting_after(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)
    otid = str(uuid.uuid4())
    stream = client.conversations.messages.create(
        conversation.id,
        messages=[{"role": "user", "content": "[[sleep 1]] " + SEARCH, "otid": otid}],
        background=True,
    )
    run_id = next(iter(stream)).run_id
    stream.close()
    # A re-send with the same otid joins the run it started instead of starting another.
    again = client.conversations.messages.create(
        conversation.id,
        messages=[{"role": "user", "content": "[[sleep 1]] " + SEARCH, "otid": otid}],
        background=True,
    )
    assert next(iter(again)).run_id == run_id
    again.close()

    live = list(client.conversations.messages.stream(conversation.id))  # the active run
    expected = ["tool_call_message", "tool_return_message", "assistant_message"]
    assert kinds(live) == ["ping", *expected, "stop_reason", "usage_statistics"]
    assert {chunk.run_id for chunk in live[:4]} == {run_id}
    assert [chunk.seq_id for chunk in live[1:4]] == [1, 2, 3]
    assert live[-2].stop_reason == "end_turn"
    assert texts(client, conversation.id, "user_message") == ["[[sleep 1]] " + SEARCH]

    by_run = list(client.conversations.messages.stream(conversation.id, run_id=run_id))
    by_otid = list(client.conversations.messages.stream(conversation.id, otid=otid))
    assert [c.id for c in by_run[1:4]] == [c.id for c in by_otid[1:4]] == [c.id for c in live[1:4]]
    later = list(
        client.conversations.messages.stream(conversation.id, run_id=run_id, starting_after=1)
    )
    assert kinds(later)[1:3] == ["tool_return_message", "assistant_message"]
    assert [c.seq_id for c in later[1:3]] == [2, 3]
    no_pings = list(
        client.conversations.messages.stream(conversation.id, otid=otid, include_pings=False)
    )
    assert kinds(no_pings)[0] == "tool_call_message"

    with pytest.raises(BadRequestError) as error:
        list(client.conversations.messages.stream(conversation.id))
    assert (
        error.value.body["detail"]
        == "INVALID_ARGUMENT: No active runs found for this conversation."
    )
    with pytest.raises(NotFoundError):
        list(client.conversations.messages.stream(conversation.id, otid=str(uuid.uuid4())))
    with pytest.raises(NotFoundError):
        list(client.conversations.messages.stream(conversation.id, run_id=missing_id("run")))

    # A foreground stream can be joined by a second reader while it is being read.
    foreground = client.conversations.messages.create(
        conversation.id, input="[[sleep 1]] in the foreground"
    )
    chunks = iter(foreground)
    foreground_run = next(chunks).run_id
    joined = list(client.conversations.messages.stream(conversation.id, run_id=foreground_run))
    original = list(chunks)
    assert [c.content for c in joined if c.message_type == "assistant_message"] == [
        ECHO + "in the foreground"
    ]
    assert [c.id for c in joined if c.message_type == "assistant_message"] == [
        c.id for c in original if c.message_type == "assistant_message"
    ]

    # Any finished run can be replayed, background or not, default conversation too.
    response = send_json(client, "default", agent_id=agent.id, input="a foreground turn")
    replay = list(
        client.conversations.messages.stream(
            "default", agent_id=agent.id, run_id=response.usage.run_ids[0]
        )
    )
    assert [c.content for c in replay if c.message_type == "assistant_message"] == replies(response)


# --- one turn at a time per conversation ----------------------------------------------------


def test_a_second_send_waits_for_the_running_turn(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)
    first_run = start_background(client, conversation.id, "[[sleep 1]] first")
    second = send_json(client, conversation.id, input="second")
    assert client.runs.retrieve(first_run).status == "completed"
    assert replies(second) == [ECHO + "second"]
    order = [
        (m.message_type, m.content)
        for m in list(client.conversations.messages.list(conversation.id, order="asc"))[1:]
    ]
    assert order == [
        ("user_message", "[[sleep 1]] first"),
        ("assistant_message", ECHO + "first"),
        ("user_message", "second"),
        ("assistant_message", ECHO + "second"),
    ]


def test_busy_conversation_is_a_409_after_the_wait(start_server) -> None:  # noqa: ANN001
    server: LettaliteServer = start_server(LETTALITE_TURN_WAIT_SECONDS="0.3")
    client = Letta(base_url=server.url, _strict_response_validation=True, max_retries=0)
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)
    run_id = start_background(client, conversation.id, "[[sleep 10]] hold the lock")

    for attempt in (
        lambda: send_json(client, conversation.id, input="json while busy"),
        lambda: client.conversations.messages.create(conversation.id, input="streamed while busy"),
    ):
        with pytest.raises(ConflictError) as error:
            attempt()
        assert error.value.body["run_id"] == run_id
        assert "is currently being processed" in error.value.body["detail"]
        assert f"run_id={run_id}" in error.value.body["detail"]
        assert error.value.response.headers["x-should-retry"] == "true"

    # Another conversation of the same agent, and its default one, are not held up.
    other = client.conversations.create(agent_id=agent.id)
    assert replies(send_json(client, other.id, input="meanwhile")) == [ECHO + "meanwhile"]
    default = send_json(client, "default", agent_id=agent.id, input="meanwhile too")
    assert replies(default) == [ECHO + "meanwhile too"]
    assert client.runs.retrieve(run_id).status == "running"

    default_run = start_background(
        client, "default", "[[sleep 10]] hold the default", agent_id=agent.id
    )
    with pytest.raises(ConflictError) as error:
        send_json(client, "default", agent_id=agent.id, input="default while busy")
    assert error.value.body["run_id"] == default_run
    with pytest.raises(ConflictError):
        client.agents.messages.create(agent_id=agent.id, input="agents route while busy")
    client.conversations.cancel(conversation.id)
    client.conversations.cancel("default", agent_id=agent.id)


def test_busy_conversation_background_send_is_a_409_too(start_server) -> None:  # noqa: ANN001
    """Letta Code sends every message with background=true; a busy conversation must answer it
    with the same HTTP 409 (run_id, x-should-retry), not a 200 stream ending in an error."""
    server: LettaliteServer = start_server(LETTALITE_TURN_WAIT_SECONDS="0.3")
    client = Letta(base_url=server.url, _strict_response_validation=True, max_retries=0)
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)
    run_id = start_background(client, conversation.id, "[[sleep 10]] hold the lock")
    try:
        with pytest.raises(ConflictError) as error:
            list(
                client.conversations.messages.create(
                    conversation.id, input="background while busy", background=True
                )
            )
        assert error.value.body["run_id"] == run_id
        assert f"run_id={run_id}" in error.value.body["detail"]
        assert error.value.response.headers["x-should-retry"] == "true"
    finally:
        client.conversations.cancel(conversation.id)


# --- cancel ---------------------------------------------------------------------------------


def test_cancel_stops_only_that_conversations_runs(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)
    named_run = start_background(client, conversation.id, "[[sleep 10]] named")
    default_run = start_background(client, "default", "[[sleep 10]] default", agent_id=agent.id)

    assert client.conversations.cancel("default", agent_id=agent.id) == {default_run: "cancelled"}
    cancelled = finished(client, default_run)
    assert (cancelled.status, cancelled.stop_reason) == ("cancelled", "cancelled")
    assert client.runs.retrieve(named_run).status in ("created", "running")
    assert client.conversations.cancel(conversation.id) == {named_run: "cancelled"}
    assert finished(client, named_run).status == "cancelled"

    with pytest.raises(ConflictError) as error:
        client.conversations.cancel(conversation.id)
    assert error.value.body["detail"] == (
        f"CONFLICT: No active runs to cancel for conversation {conversation.id}"
    )
    with pytest.raises(ConflictError) as error:
        client.conversations.cancel("default", agent_id=agent.id)
    assert (
        error.value.body["detail"] == "CONFLICT: No active runs to cancel for conversation default"
    )
    # A cancelled turn leaves nothing half-done: the conversation goes on.
    assert replies(send_json(client, conversation.id, input="after cancel")) == [
        ECHO + "after cancel"
    ]


def test_cancel_ends_a_stream_being_read(client: Letta) -> None:
    agent = create_seed_agent(client)
    conversation = client.conversations.create(agent_id=agent.id)
    stream = client.conversations.messages.create(conversation.id, input="[[sleep 5]] slow")
    chunks = iter(stream)
    run_id = next(chunks).run_id
    assert client.conversations.cancel(conversation.id) == {run_id: "cancelled"}
    rest = list(chunks)
    assert [c.stop_reason for c in rest if c.message_type == "stop_reason"] == ["cancelled"]


# --- error cases ----------------------------------------------------------------------------


def test_unknown_and_malformed_ids(client: Letta) -> None:
    agent = create_seed_agent(client)
    unknown = missing_id("conv")
    not_found = [
        lambda: client.conversations.create(agent_id=missing_id("agent")),
        lambda: client.conversations.retrieve(unknown),
        lambda: client.conversations.update(unknown, summary="x"),
        lambda: client.conversations.delete(unknown),
        lambda: client.conversations.fork(unknown),
        lambda: client.conversations.messages.list(unknown),
        lambda: client.conversations.messages.create(unknown, input="hello"),
        lambda: send_json(client, unknown, input="hello"),
        lambda: client.conversations.cancel(unknown),
        lambda: client.conversations.recompile(unknown),
        lambda: client.conversations.messages.compact(unknown),
        lambda: list(client.conversations.messages.stream(unknown)),
        lambda: client.post(
            f"/v1/conversations/{unknown}/messages/preview-raw-payload",
            cast_to=object,
            body={"input": "x"},
        ),
        # `default` without an agent id names no conversation
        lambda: client.conversations.fork("default"),
        lambda: client.conversations.cancel("default"),
        lambda: client.conversations.recompile("default"),
        lambda: client.conversations.messages.compact("default"),
        lambda: list(client.conversations.messages.stream("default")),
        lambda: client.conversations.messages.list(missing_id("agent")),
    ]
    for call in not_found:
        with pytest.raises(NotFoundError):
            call()

    malformed = [
        lambda: client.conversations.retrieve("default"),
        lambda: client.conversations.retrieve("conv-123"),
        lambda: client.conversations.update("default", summary="x"),
        lambda: client.conversations.delete("conv-not-a-uuid"),
        lambda: client.conversations.messages.list("conv-123"),
        lambda: client.conversations.messages.create("nonsense", input="x"),
        lambda: client.conversations.cancel("conv-123"),
        lambda: client.conversations.fork("something"),
    ]
    for call in malformed:
        with pytest.raises(UnprocessableEntityError):
            call()

    conversation = client.conversations.create(agent_id=agent.id)
    with pytest.raises(UnprocessableEntityError):
        client.conversations.messages.create(conversation.id, messages=[])
    with pytest.raises(UnprocessableEntityError):
        client.conversations.messages.create(conversation.id)  # neither messages nor input
    with pytest.raises(BadRequestError):
        client.conversations.create(agent_id=agent.id, model="no-slash-model")
