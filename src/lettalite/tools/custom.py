"""Custom tools: Python source that users send, run in the sandbox, never in the server.

Pure: what a custom tool is, how its arguments are checked against its JSON schema, and how
the sandbox's answer reads to the model (Letta's wording, so prompts written for Letta fit).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lettalite.tools.blocks import ToolError

ERROR_TEXT_LIMIT = 1000
# Parameters the sandbox fills in itself; the model never sees them.
INJECTED_PARAMETERS = frozenset({"agent_state", "agent_id"})
# The first characters of pip's version operators (==, !=, ~=, >=, <=, >, <, ===).
VERSION_OPERATOR_STARTS = frozenset("=!~<>")


@dataclass(frozen=True)
class CustomTool:
    """Everything needed to run one custom tool call."""

    name: str
    source_code: str
    json_schema: dict[str, Any]
    pip_requirements: tuple[str, ...] = ()


def pip_spec(requirement: Mapping[str, Any]) -> str:
    """A stored requirement (`{"name", "version"}`) as pip reads it: a version that starts
    with an operator (`>=2`) is kept as written, any other pins it (so "latest" fails to
    install rather than naming another package, `requestslatest`)."""
    version = requirement.get("version")
    if not version:
        return requirement["name"]
    operator = "" if version[0] in VERSION_OPERATOR_STARTS else "=="
    return f"{requirement['name']}{operator}{version}"


def check_arguments(tool: CustomTool, arguments: Mapping[str, Any]) -> dict[str, Any] | ToolError:
    """The model's arguments, checked against the tool's JSON schema.

    Arguments the schema does not declare are dropped (Letta does the same), so a model that
    adds a stray key still gets its call run.
    """
    from jsonschema import Draft202012Validator  # imported on first use: ~60 ms at startup
    from referencing.exceptions import Unresolvable

    parameters = tool.json_schema.get("parameters") or {"type": "object", "properties": {}}
    declared = parameters.get("properties") or {}
    kept = {name: value for name, value in arguments.items() if name in declared}
    try:
        error = next(iter(Draft202012Validator(parameters).iter_errors(kept)), None)
    except Unresolvable as unresolvable:  # a `$ref` the client's json_schema does not define
        return ToolError(f"The json_schema of {tool.name} cannot check arguments: {unresolvable}")
    if error is None:
        return kept
    where = "/".join(str(part) for part in error.absolute_path)
    prefix = f"Argument '{where}'" if where else "The arguments"
    return ToolError(f"{prefix} of {tool.name}: {error.message}")


def return_text(value: Any) -> str:
    """A tool's return value as the model reads it: strings as they are, JSON otherwise."""
    if isinstance(value, str):
        return value
    if value is None:
        return "None"
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def error_text(tool_name: str, error: str) -> str:
    return f"Error executing function {tool_name}: {error}"[:ERROR_TEXT_LIMIT]
