"""Custom tools (and built-in tools that run as code, like `run_code`): each call runs in the
sandbox, a separate process that never sees the server's environment, files or database, and
runs before the step's transaction opens so a slow tool holds no lock."""

import logging
from typing import Any

from lettalite.agent.toolbox import AgentScope, PreparedCall, ToolOutcome, ToolScope, failure
from lettalite.sandbox import SandboxResult, StartingSandbox, ToolRun
from lettalite.tools.blocks import ToolError
from lettalite.tools.custom import CustomTool, check_arguments, error_text, return_text

logger = logging.getLogger("lettalite.tools")


class SandboxedTool:
    """One custom tool, run in the sandbox."""

    in_transaction = False

    def __init__(self, tool: CustomTool, sandbox: StartingSandbox) -> None:
        self.tool = tool
        self.sandbox = sandbox

    def check(self, name: str, arguments: dict[str, Any]) -> dict[str, Any] | ToolOutcome:
        checked = check_arguments(self.tool, arguments)
        return failure(checked.message) if isinstance(checked, ToolError) else checked

    async def execute(self, call: PreparedCall, scope: ToolScope) -> ToolOutcome:
        assert isinstance(scope, AgentScope), "sandboxed tools run outside the step's transaction"
        try:
            result = await self.sandbox.run(self.job(call.arguments, scope))
        except Exception as error:  # the sandbox itself failed (e.g. cannot start a process)
            logger.exception("The sandbox could not run tool %s", self.tool.name)
            return failure(
                error_text(self.tool.name, f"the sandbox could not run it ({type(error).__name__})")
            )
        return outcome(self.tool.name, result)

    def job(self, arguments: dict[str, Any], scope: AgentScope) -> ToolRun:
        return ToolRun(
            source_code=self.tool.source_code,
            function_name=self.tool.name,
            arguments=arguments,
            env=scope.env,
            agent_state=scope.agent_state,
            pip_requirements=self.tool.pip_requirements,
        )


def outcome(tool_name: str, result: SandboxResult) -> ToolOutcome:
    """The sandbox's answer as the model reads it, with the tool's output streams kept."""
    streams = {
        "stdout": [result.stdout] if result.stdout else [],
        "stderr": [result.stderr] if result.stderr else [],
    }
    if result.status == "success":
        return ToolOutcome(status="success", message=return_text(result.func_return), **streams)
    message = error_text(tool_name, result.error or "the tool failed")
    return ToolOutcome(status="error", message=message, **streams)
