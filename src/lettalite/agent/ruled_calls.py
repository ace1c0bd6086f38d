"""A step's tool calls under the agent's tool rules: refused or prepared (with prefilled
arguments), prepared again after a pause, and added to the request's call history.

The glue between the pure solver (agent/tool_rules.py) and the toolbox; the loop calls it.
"""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lettalite.agent.context import stored_call
from lettalite.agent.render import tool_return_text
from lettalite.agent.tool_rules import CallHistory, StepRules
from lettalite.agent.toolbox import PreparedCall, Toolbox, failure
from lettalite.db.models import MessageRow
from lettalite.llm.types import ToolCallRequest

# The key of a stored tool call that was not offered: the error that is its result.
REFUSED = "refused"


def prepare_calls(
    toolbox: Toolbox, rules: StepRules, calls: Sequence[ToolCallRequest]
) -> list[PreparedCall]:
    """The step's calls, checked against the tool rules and then prepared: a refused call
    is not offered (its error is its result); prefilled arguments override the model's."""
    refusals = rules.screen([c.name for c in calls])
    return [
        toolbox.prepare(replace(c, arguments=rules.prefilled(c.name, c.arguments)))
        if refusal is None
        else PreparedCall(c, None, failed=failure(refusal))
        for c, refusal in zip(calls, refusals, strict=True)
    ]


def prepare_parked(toolbox: Toolbox, raw: dict[str, Any]) -> PreparedCall:
    """A stored call of a paused step, prepared again; one that was refused stays refused
    (the rules that refused it read the calls of a request that is over)."""
    if (refusal := raw.get(REFUSED)) is not None:
        return PreparedCall(stored_call(raw), None, failed=failure(refusal))
    return toolbox.prepare(stored_call(raw))


def history_after(
    calls: CallHistory, ran: Sequence[tuple[PreparedCall, MessageRow]]
) -> CallHistory:
    """The request's calls once these were made (each with its stored result), with the
    message the last one returned as the model read it. Like Letta's, a call with bad
    arguments counts (it reached its tool, which failed); a call to a tool not offered or
    refused by the rules does not."""
    done = [(p.request.name, row) for p, row in ran if p.tool is not None]
    if not done:
        return calls
    return calls.after([name for name, _ in done], tool_return_text(done[-1][1].text))
