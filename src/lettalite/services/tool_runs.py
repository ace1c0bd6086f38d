"""Running tools on request: source that is not stored (`POST /v1/tools/run`) and an agent's
attached tool outside any turn (`POST /v1/agents/{id}/tools/{name}/run`)."""

import json
from typing import Any

from lettalite.agent.direct_call import call_attached_tool
from lettalite.agent.runs import RunManager
from lettalite.agent.toolbox import AgentScope, PreparedCall, ToolOutcome
from lettalite.db.base import utcnow
from lettalite.db.session import Database
from lettalite.errors import InvalidArgument
from lettalite.llm.types import ToolCallRequest
from lettalite.schemas.message import ToolReturn, ToolReturnMessage
from lettalite.schemas.tool import ToolExecutionResult, ToolRunFromSource
from lettalite.services.tools import derived_schema
from lettalite.tools.custom import CustomTool, pip_spec

# Letta answers a run from source with these placeholders: nothing is stored.
UNSTORED_ID = "null"


async def run_from_source(runs: RunManager, request: ToolRunFromSource) -> ToolReturnMessage:
    if request.source_type not in (None, "python"):
        raise InvalidArgument(
            "INVALID_ARGUMENT: Tool source type is not supported at this time. "
            f"Found {request.source_type}"
        )
    schema = derived_schema(request)
    requirements = tuple(pip_spec(r.model_dump()) for r in request.pip_requirements or ())
    tool = CustomTool(schema["name"], request.source_code, schema, requirements)
    executor = runs.runner.tool_kinds.sandboxed(tool)
    call = ToolCallRequest(id=UNSTORED_ID, name=tool.name, arguments=json.dumps(request.args))
    checked = executor.check(tool.name, request.args)
    if isinstance(checked, ToolOutcome):
        outcome = checked
    else:
        scope = AgentScope(agent_id=None, env=dict(request.env_vars or {}), agent_state=None)
        outcome = await executor.execute(PreparedCall(call, None, checked), scope)
    returned = ToolReturn(
        tool_return=outcome.message,
        status=outcome.status,
        tool_call_id=UNSTORED_ID,
        stdout=outcome.stdout,
        stderr=outcome.stderr,
    )
    return ToolReturnMessage(
        id=UNSTORED_ID,
        date=utcnow(),
        name=request.name,
        tool_return=outcome.message,
        status=outcome.status,
        tool_call_id=UNSTORED_ID,
        stdout=outcome.stdout,
        stderr=outcome.stderr,
        tool_returns=[returned],
    )


async def run_for_agent(
    database: Database, runs: RunManager, agent_id: str, name: str, args: dict[str, Any]
) -> ToolExecutionResult:
    runner = runs.runner
    outcome = await call_attached_tool(
        database, runner.tool_kinds, runner.llm_for, agent_id, name, args
    )
    if outcome.status == "success":
        return ToolExecutionResult(
            status="success",
            func_return=outcome.message,
            stdout=outcome.stdout or [],
            stderr=outcome.stderr or [],
        )
    # Letta returns no value for a failed call; the error is what the tool wrote to stderr.
    return ToolExecutionResult(
        status="error",
        func_return=None,
        stdout=outcome.stdout or [],
        stderr=[*(outcome.stderr or []), outcome.message],
    )
