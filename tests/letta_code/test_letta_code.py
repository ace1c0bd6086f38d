"""Letta Code, the official `letta` CLI, driven headless against a real lettalite server.

Each run is a separate CLI process with a fresh HOME and working directory (see cli.py); the
scripted LLM answers from the directives in the last user message (tests/fake_llm).
"""

import json
import uuid
from pathlib import Path
from typing import Any

from letta_client import Letta

from tests.fake_llm.script import DONE_PREFIX, ECHO_PREFIX, messages_of, read_turn, text_of
from tests.letta_code.cli import MODEL, LettaRun, run_letta
from tests.servers import FakeLLM, LettaliteServer

NEW_AGENT = ("--new-agent", "--model", MODEL)
# Letta Code attaches no server-side memory tool by default (it asks for web_search and
# fetch_webpage); --base-tools replaces that list at creation.
NEW_AGENT_WITH_MEMORY_TOOLS = (*NEW_AGENT, "--base-tools", "memory_insert,memory_replace")


def token() -> str:
    return uuid.uuid4().hex[:10]


def user_text(request: dict[str, Any]) -> str:
    return read_turn(messages_of(request)).user_text


def requests_for(fake_llm: FakeLLM, marker: str) -> list[dict[str, Any]]:
    """The chat requests of the turns whose last user message contains `marker`."""
    return [request for request in fake_llm.chat_requests() if marker in user_text(request)]


def earlier_user_texts(request: dict[str, Any]) -> list[str]:
    """The texts of the user messages before the last one: the conversation's history."""
    users = [text_of(m.get("content")) for m in messages_of(request) if m.get("role") == "user"]
    return users[:-1]


class Workspace:
    """Fresh HOME and project directories for each CLI run of a test."""

    def __init__(self, root: Path, server: LettaliteServer) -> None:
        self.root = root
        self.server = server
        self.count = 0

    def run(self, prompt: str, *args: str, cwd: Path | None = None) -> LettaRun:
        self.count += 1
        return run_letta(
            self.server.url,
            prompt,
            home=self.root / f"home{self.count}",
            cwd=cwd or self.root / f"project{self.count}",
            extra_args=args,
        )


def test_new_agent_answers_a_prompt(
    server: LettaliteServer, fake_llm: FakeLLM, client: Letta, tmp_path: Path
) -> None:
    prompt = f"Hello from Letta Code {token()}"
    run = Workspace(tmp_path, server).run(prompt, *NEW_AGENT)

    assert run.result.startswith(ECHO_PREFIX), run.describe()
    assert run.result.endswith(prompt), run.describe()
    assert run.agent_id.startswith("agent-")
    # Headless without --conversation opens a new conversation of the agent.
    assert run.conversation_id.startswith("conv-")
    agent = client.agents.retrieve(run.agent_id)
    assert agent.tags is not None and "origin:letta-code" in agent.tags
    assert client.conversations.retrieve(run.conversation_id).agent_id == run.agent_id

    [request] = requests_for(fake_llm, prompt)
    assert request["model"] == "gpt-4o-mini"
    system = text_of(messages_of(request)[0].get("content"))
    assert messages_of(request)[0]["role"] == "system" and "You are Letta Code" in system


def test_second_prompt_in_the_default_conversation(
    server: LettaliteServer, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    workspace = Workspace(tmp_path, server)
    elsewhere = f"In the agent's first conversation {token()}"
    agent_id = workspace.run(elsewhere, *NEW_AGENT).agent_id
    default = ("--agent", agent_id, "--conversation", "default")
    first = f"First in the default conversation {token()}"
    second = f"Second in the default conversation {token()}"

    first_run = workspace.run(first, *default)
    second_run = workspace.run(second, *default)

    assert (first_run.conversation_id, second_run.conversation_id) == ("default", "default")
    assert (first_run.agent_id, second_run.agent_id) == (agent_id, agent_id)
    assert second_run.result.startswith(ECHO_PREFIX) and second_run.result.endswith(second)
    [request] = requests_for(fake_llm, second)
    history = earlier_user_texts(request)
    assert any(first in text for text in history), history
    assert not any(elsewhere in text for text in history), "another conversation leaked in"


def test_prompt_in_a_new_conversation_then_resumed_by_id(
    server: LettaliteServer, fake_llm: FakeLLM, client: Letta, tmp_path: Path
) -> None:
    workspace = Workspace(tmp_path, server)
    opening = workspace.run(f"Opening {token()}", *NEW_AGENT)
    agent_id = opening.agent_id
    in_default = f"In the default conversation {token()}"
    workspace.run(in_default, "--agent", agent_id, "--conversation", "default").ok()
    first = f"First in a new conversation {token()}"
    second = f"Second in that conversation {token()}"

    new_run = workspace.run(first, "--agent", agent_id, "--new")
    conversation_id = new_run.conversation_id
    resumed = workspace.run(second, "--conversation", conversation_id)

    assert conversation_id.startswith("conv-")
    assert conversation_id not in (opening.conversation_id, "default")
    assert client.conversations.retrieve(conversation_id).agent_id == agent_id
    assert new_run.result.startswith(ECHO_PREFIX) and new_run.result.endswith(first)
    [first_request] = requests_for(fake_llm, first)
    assert not any(in_default in text for text in earlier_user_texts(first_request))
    assert (resumed.agent_id, resumed.conversation_id) == (agent_id, conversation_id)
    assert resumed.result.startswith(ECHO_PREFIX) and resumed.result.endswith(second)
    [second_request] = requests_for(fake_llm, second)
    history = earlier_user_texts(second_request)
    assert any(first in text for text in history), history
    assert not any(in_default in text for text in history), "the default conversation leaked in"


def test_client_tool_runs_in_letta_code_and_its_output_reaches_the_model(
    server: LettaliteServer, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    marker = token()
    project = tmp_path / "project"
    arguments = {
        "cmd": f"echo {marker} > out.txt && echo wrote-{marker}",
        "description": "Write a file",
    }
    prompt = f"[[call exec_command {json.dumps(arguments)}]]"

    run = Workspace(tmp_path, server).run(prompt, *NEW_AGENT, cwd=project)

    assert run.result.startswith(DONE_PREFIX), run.describe()
    assert f"wrote-{marker}" in run.result, run.describe()
    # Letta Code, not the server, ran the command: in the CLI's working directory.
    assert (project / "out.txt").read_text() == f"{marker}\n"
    requests = requests_for(fake_llm, f"echo wrote-{marker}")
    assert len(requests) == 2, [user_text(r) for r in requests]
    offered = [tool["function"]["name"] for tool in requests[0].get("tools", [])]
    assert "exec_command" in offered, offered
    messages = messages_of(requests[1])
    assistants = [m for m in messages if m.get("role") == "assistant"]
    calls = [call for m in assistants for call in m.get("tool_calls") or ()]
    assert [call["function"]["name"] for call in calls] == ["exec_command"]
    assert json.loads(calls[0]["function"]["arguments"]) == arguments
    results = [m for m in messages if m.get("role") == "tool"]
    assert [m["tool_call_id"] for m in results] == [calls[0]["id"]]
    assert f"wrote-{marker}" in text_of(results[0]["content"])


def test_agent_remembers_a_fact_across_two_cli_runs(
    server: LettaliteServer, client: Letta, tmp_path: Path
) -> None:
    workspace = Workspace(tmp_path, server)

    told = workspace.run("My name is Ada", *NEW_AGENT_WITH_MEMORY_TOOLS)

    assert told.result == "Got it! I've updated my memory with your name, Ada.", told.describe()
    human = client.agents.blocks.retrieve("human", agent_id=told.agent_id)
    assert "Name: Ada" in human.value.splitlines()
    # A fresh HOME and project: nothing local carries the fact, only the server's memory.
    asked = workspace.run("what is my name", "--agent", told.agent_id)
    assert asked.conversation_id != told.conversation_id
    assert asked.result == "Your name is Ada.", asked.describe()


def test_letta_code_with_an_api_key(start_server, tmp_path: Path) -> None:  # noqa: ANN001
    """A server with LETTALITE_API_KEY: Letta Code sends LETTA_API_KEY as its bearer token,
    and without it is refused."""
    key = f"key-{token()}"
    guarded = start_server(LETTALITE_API_KEY=key)
    prompt = f"Hello with a key {token()}"

    run = run_letta(
        guarded.url,
        prompt,
        home=tmp_path / "home",
        cwd=tmp_path / "project",
        extra_args=NEW_AGENT,
        env={"LETTA_API_KEY": key},
    )
    assert run.result.endswith(prompt), run.describe()
    refused = run_letta(
        guarded.url,
        prompt,
        home=tmp_path / "home2",
        cwd=tmp_path / "project2",
        extra_args=NEW_AGENT,
        env={"LETTA_API_KEY": "wrong"},
        timeout=60,
    )
    assert refused.returncode != 0, refused.describe()
    assert "Invalid API key in the Authorization header" in refused.stderr, refused.describe()
