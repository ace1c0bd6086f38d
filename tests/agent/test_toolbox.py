"""Which tools a turn offers, and how a model's call to each is prepared (pure functions)."""

import asyncio
import json
from collections.abc import Sequence

import pytest

from lettalite.agent.builtin_tools import BUILTIN_TOOLS, BuiltinTools
from lettalite.agent.conversation import Conversation
from lettalite.agent.sandboxed_tools import SandboxedTool
from lettalite.agent.toolbox import (
    CLIENT_RETURN_MIN_CHARS,
    CLIENT_TOOLS,
    AgentScope,
    McpToolRef,
    PreparedCall,
    Toolbox,
    ToolKinds,
    build_toolbox,
)
from lettalite.db.models import AgentRow, AgentToolRow, ToolRow
from lettalite.llm.types import ToolCallRequest, ToolDefinition
from lettalite.tools import TOOLS
from lettalite.tools.custom import CustomTool

SHELL = ToolDefinition("exec_command", "Run a shell command", {"type": "object"})


def agent(*tool_names: str, rules: list[dict] | None = None, window: int = 8000) -> AgentRow:
    links = [
        AgentToolRow(
            tool=ToolRow(
                id=f"tool-{name}",
                name=name,
                json_schema=TOOLS[name].json_schema,
                return_char_limit=50000,
            )
        )
        for name in tool_names
    ]
    return AgentRow(id="agent-1", tool_links=links, tool_rules=rules, context_window=window)


def no_sandbox(tool: CustomTool) -> BuiltinTools:
    pytest.fail(f"{tool.name} is not a sandboxed tool")


def no_mcp(tool: McpToolRef) -> BuiltinTools:
    pytest.fail(f"{tool.tool_name} is not an MCP tool")


def toolbox_of(agent: AgentRow, client_tools: Sequence[ToolDefinition]) -> Toolbox:
    kinds = ToolKinds(BUILTIN_TOOLS, no_sandbox, no_mcp)
    return build_toolbox(Conversation(agent, agent), kinds, client_tools)


def call(name: str, arguments: object = None) -> ToolCallRequest:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
    return ToolCallRequest(id="call-1", name=name, arguments=text)


def test_client_tools_follow_the_agents_and_shadow_one_of_the_same_name() -> None:
    shadow = ToolDefinition("memory_insert", "The client's own", {"type": "object"})
    toolbox = toolbox_of(agent("memory_replace", "memory_insert"), [SHELL, shadow])
    names = [definition.name for definition in toolbox.definitions()]
    assert names == ["memory_replace", "exec_command", "memory_insert"]
    assert toolbox.tools["memory_insert"].executor is CLIENT_TOOLS
    assert toolbox.tools["memory_insert"].definition.description == "The client's own"


def test_client_tools_and_ruled_tools_wait_for_approval() -> None:
    rules = [{"type": "requires_approval", "tool_name": "memory_replace"}]
    toolbox = toolbox_of(agent("memory_replace", "memory_insert", rules=rules), [SHELL])
    assert toolbox.awaits_approval("exec_command")
    assert toolbox.awaits_approval("memory_replace")
    assert not toolbox.awaits_approval("memory_insert")
    assert not toolbox.awaits_approval("unknown")


def test_a_call_is_prepared_or_fails_with_what_the_model_should_fix() -> None:
    toolbox = toolbox_of(agent("memory_insert"), [SHELL])
    shell = toolbox.prepare(call("exec_command", {"cmd": "ls", "anything": 1}))
    assert shell.awaits_approval and shell.arguments == {"cmd": "ls", "anything": 1}
    unknown = toolbox.prepare(call("nope"))
    assert not unknown.awaits_approval
    assert "does not exist" in unknown.failed.message
    detached = toolbox.prepare(call("memory_replace"))
    assert "is not attached to this agent" in detached.failed.message
    not_json = toolbox.prepare(call("exec_command", "{oops"))
    assert not not_json.awaits_approval and "not valid JSON" in not_json.failed.message
    bad = toolbox.prepare(call("memory_insert", {"label": 3}))
    assert bad.failed is not None and "new_string" in bad.failed.message


def test_a_client_result_may_fill_most_of_the_window() -> None:
    small = toolbox_of(agent(window=1000), [SHELL])
    large = toolbox_of(agent(window=100_000), [SHELL])
    assert small.tools["exec_command"].return_char_limit == CLIENT_RETURN_MIN_CHARS
    assert large.tools["exec_command"].return_char_limit == 80_000


class BrokenSandbox:
    """A sandbox that cannot start anything (e.g. the machine is out of processes)."""

    async def ready(self) -> None:
        return None

    async def run(self, job: object) -> None:
        raise OSError("fork failed")


def test_a_sandbox_that_cannot_run_gives_the_model_a_tool_error() -> None:
    tool = CustomTool("double", "def double(n: int):\n    return 2 * n\n", {"name": "double"})
    executor = SandboxedTool(tool, BrokenSandbox())  # type: ignore[arg-type]
    call = PreparedCall(ToolCallRequest("call-1", "double", '{"n": 2}'), None, {"n": 2})
    outcome = asyncio.run(executor.execute(call, AgentScope("agent-1", {}, None)))
    assert outcome.status == "error"
    assert outcome.message == (
        "Error executing function double: the sandbox could not run it (OSError)"
    )
