"""The tools a model is offered in one turn, and how a call to any of them is run.

Tools come from several places: built-in tools attached to the agent (memory, recall,
archival), custom tools (Python source run in the sandbox) and the client's own tools sent
with each request (`client_tools`), which only the client can run; MCP tools join them the same
way. Each kind is a `ToolExecutor`. The loop prepares every call of a step, learns which of
them must wait for the client or a human (`awaits_approval`), runs the slow ones before the
step's transaction opens (`in_transaction = False`) and the others inside it; it never needs to
know what kind a tool is.
"""

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.context import json_without_nul
from lettalite.agent.conversation import Conversation
from lettalite.agent.embedder import Embedder
from lettalite.db.mcp_servers import MCP_TOOL_TYPE, tool_server_id
from lettalite.db.models import AgentRow, ToolRow
from lettalite.llm.types import ToolCallRequest, ToolDefinition
from lettalite.tools import TOOLS, format_model_time
from lettalite.tools.custom import CustomTool, pip_spec

TRUNCATION_NOTE = "... [NOTE: output truncated: it exceeded the {limit} character limit]"
APPROVAL_RULE = "requires_approval"


@dataclass(frozen=True)
class ToolOutcome:
    """A tool call's result as the model reads it, and what it changed."""

    status: Literal["success", "error"]
    message: str
    changed_block_ids: frozenset[str] = frozenset()
    # Client-run tools: their output streams and the image parts they returned.
    stdout: list[str] | None = None
    stderr: list[str] | None = None
    images: tuple[dict[str, Any], ...] = ()

    def envelope(self, now: datetime, limit: int) -> str:
        """The JSON the model reads as the tool's result, its message cut to `limit` chars."""
        body = {
            "status": "OK" if self.status == "success" else "Failed",
            "message": truncate(self.message, limit),
            "time": format_model_time(now),
        }
        return json.dumps(body, indent=2, ensure_ascii=False)


def failure(message: str) -> ToolOutcome:
    return ToolOutcome(status="error", message=message)


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATION_NOTE.format(limit=limit)


@dataclass(frozen=True)
class AgentScope:
    """What a tool that runs outside any transaction knows of its agent: a snapshot taken
    when the step's request was built."""

    agent_id: str | None
    env: dict[str, str]  # the agent's secrets
    agent_state: dict[str, Any] | None


@dataclass(frozen=True)
class StepScope:
    """What a tool may touch while its step's transaction is open."""

    session: AsyncSession
    conversation: Conversation
    embedder: Embedder


ToolScope = AgentScope | StepScope


@dataclass(frozen=True)
class PreparedCall:
    """A model's tool call, checked: runnable, waiting for approval, or already failed."""

    request: ToolCallRequest
    tool: "OfferedTool | None"
    arguments: dict[str, Any] = field(default_factory=dict)
    failed: ToolOutcome | None = None

    @property
    def awaits_approval(self) -> bool:
        return self.failed is None and self.tool is not None and self.tool.requires_approval


class ToolExecutor(Protocol):
    """One kind of tool."""

    # True: calls read or write stored state and run inside the step's transaction (with a
    # StepScope). False: calls take long (a sandbox, the network) and run before it opens,
    # with an AgentScope, so they never hold a database lock.
    in_transaction: bool

    def check(self, name: str, arguments: dict[str, Any]) -> dict[str, Any] | ToolOutcome:
        """The arguments the tool will be called with, or the failure the model reads."""
        ...

    async def execute(self, call: PreparedCall, scope: ToolScope) -> ToolOutcome: ...


@dataclass(frozen=True)
class OfferedTool:
    definition: ToolDefinition
    executor: ToolExecutor
    requires_approval: bool
    return_char_limit: int


class ClientTools:
    """Tools the client runs: the server only offers them and waits for their results."""

    in_transaction = True

    def check(self, name: str, arguments: dict[str, Any]) -> dict[str, Any] | ToolOutcome:
        return arguments  # the client's own schema; the client validates

    async def execute(self, call: PreparedCall, scope: ToolScope) -> ToolOutcome:
        # Reached only when a client approves its own tool instead of returning its result.
        return failure(
            f"Tool '{call.request.name}' runs in the client, which approved the call without "
            "sending its result."
        )


CLIENT_TOOLS = ClientTools()


def approval_rule_names(agent: AgentRow) -> set[str]:
    return {
        rule.get("tool_name")
        for rule in agent.tool_rules or ()
        if isinstance(rule, Mapping) and rule.get("type") == APPROVAL_RULE
    }


@dataclass(frozen=True)
class McpToolRef:
    """A tool of an MCP server, as its stored row names it."""

    server_id: str
    tool_name: str


@dataclass(frozen=True)
class ToolKinds:
    """The executor for each kind of tool an agent can have attached."""

    builtin: ToolExecutor
    sandboxed: Callable[[CustomTool], ToolExecutor]
    mcp: Callable[[McpToolRef], ToolExecutor]

    def executor_for(self, row: ToolRow) -> ToolExecutor | None:
        if row.tool_type == MCP_TOOL_TYPE:
            server_id = tool_server_id(row)
            return self.mcp(McpToolRef(server_id, row.name)) if server_id else None
        spec = TOOLS.get(row.name)
        if spec is not None and row.source_code is None:
            if spec.context == "sandbox":
                return self.sandboxed(CustomTool(spec.name, spec.source_code, spec.json_schema))
            return self.builtin
        if row.source_code is not None and row.source_type == "python":
            requirements = tuple(pip_spec(r) for r in row.pip_requirements or ())
            return self.sandboxed(
                CustomTool(row.name, row.source_code, row.json_schema, requirements)
            )
        return None


class Toolbox:
    """The tools offered in one turn, by name, and what their calls may know of the agent."""

    def __init__(self, tools: Iterable[OfferedTool], agent: AgentScope) -> None:
        self.tools = {tool.definition.name: tool for tool in tools}
        self.agent = agent

    def definitions(self) -> list[ToolDefinition]:
        return [tool.definition for tool in self.tools.values()]

    def awaits_approval(self, name: str) -> bool:
        tool = self.tools.get(name)
        return tool is not None and tool.requires_approval

    def prepare(self, call: ToolCallRequest) -> PreparedCall:
        tool = self.tools.get(call.name)
        if tool is None:
            available = ", ".join(self.tools) or "none"
            why = "is not attached to this agent" if call.name in TOOLS else "does not exist"
            return PreparedCall(
                call,
                None,
                failed=failure(f"Tool '{call.name}' {why}. Available tools: {available}"),
            )
        try:
            arguments = json.loads(call.arguments or "{}")
        except ValueError as error:
            return PreparedCall(
                call,
                tool,
                failed=failure(
                    f"The arguments of {call.name} are not valid JSON ({error}); send a JSON object"
                ),
            )
        if not isinstance(arguments, dict):
            return PreparedCall(
                call, tool, failed=failure(f"The arguments of {call.name} must be a JSON object")
            )
        checked = tool.executor.check(call.name, json_without_nul(arguments))
        if isinstance(checked, ToolOutcome):
            return PreparedCall(call, tool, failed=checked)
        return PreparedCall(call, tool, checked)


async def run_call(call: PreparedCall, scope: ToolScope) -> ToolOutcome:
    """The call's result: its failure if preparing it failed, else what its executor returns."""
    if call.failed is not None:
        return call.failed
    assert call.tool is not None
    return await call.tool.executor.execute(call, scope)


async def run_ahead(calls: Sequence[PreparedCall], scope: AgentScope) -> list[ToolOutcome | None]:
    """Run, all at once, the calls whose tools must not hold the step's transaction; the
    others (and calls that already failed) are None, to be run inside it."""

    async def run(call: PreparedCall) -> ToolOutcome | None:
        ahead = call.failed is None and call.tool is not None
        if not ahead or call.tool.executor.in_transaction:
            return None
        return await call.tool.executor.execute(call, scope)

    return list(await asyncio.gather(*(run(call) for call in calls)))


def agent_scope(conversation: Conversation) -> AgentScope:
    agent = conversation.agent
    blocks = [
        {
            "id": block.id,
            "label": label,
            "value": block.value,
            "limit": block.limit,
            "description": block.description,
            "read_only": block.read_only,
        }
        for label, block in conversation.blocks().items()
    ]
    state = {
        "id": agent.id,
        "name": agent.name,
        "description": agent.description,
        "metadata": agent.metadata_ or {},
        "memory": {"blocks": blocks},
    }
    env = {key: str(value) for key, value in (agent.secrets or {}).items()}
    return AgentScope(agent_id=agent.id, env=env, agent_state=state)


def build_toolbox(
    conversation: Conversation, kinds: ToolKinds, client_tools: Sequence[ToolDefinition]
) -> Toolbox:
    """The agent's attached tools, then the request's client tools (which shadow an attached
    tool of the same name), with the agent's `requires_approval` rules applied."""
    agent = conversation.agent
    approval = approval_rule_names(agent)
    client_names = {tool.name for tool in client_tools}
    attached = [
        OfferedTool(
            definition=tool_definition(row),
            executor=executor,
            requires_approval=row.name in approval,
            return_char_limit=row.return_char_limit,
        )
        for row in (link.tool for link in agent.tool_links)
        if row.name not in client_names and (executor := kinds.executor_for(row)) is not None
    ]
    window = max(CLIENT_RETURN_MIN_CHARS, int(CLIENT_RETURN_SHARE * agent.context_window))
    offered_by_client = [
        OfferedTool(definition, CLIENT_TOOLS, True, return_char_limit=window)
        for definition in client_tools
    ]
    return Toolbox([*attached, *offered_by_client], agent_scope(conversation))


EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}, "required": []}


def tool_definition(row: ToolRow) -> ToolDefinition:
    """A stored tool as a model is offered it."""
    schema = row.json_schema or {}
    return ToolDefinition(
        name=row.name,
        description=schema.get("description") or row.description or "",
        parameters=schema.get("parameters") or EMPTY_PARAMETERS,
    )


# A client tool's result may fill this much of the context window (at least the minimum).
CLIENT_RETURN_SHARE = 0.8
CLIENT_RETURN_MIN_CHARS = 5000
