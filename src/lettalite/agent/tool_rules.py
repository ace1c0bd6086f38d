"""Letta's tool rules, solved for one model call of a request. Pure: no I/O.

Given the agent's rules, the names of the tools offered and the calls that ran so far in this
request (`CallHistory`; every request starts empty), `ToolRules.step` answers which tools the
model may call now, whether it must call one, and which arguments rules prefill:

- `run_first`: before any call, only these tools, and a call is forced (their `args` prefill);
- `constrain_child_tools`: right after its tool, only the children, and a call is forced
  (`child_arg_nodes` prefill);
- `conditional`: right after its tool, the child its returned message maps to (else
  `default_child`, else every tool, or none with `require_output_mapping`), call forced;
- `parent_last_tool`: its children only right after its tool, and then only they;
- those sets intersect, and when nothing is left every offered tool is allowed again;
- `max_count_per_step`: a tool called that often in the request is no longer allowed. This
  cap is applied after the fallback (Letta applies it before), so it is never exceeded.

`exit_loop` tools end the turn once they ran; `required_before_exit` tools keep an answer from
ending it while uncalled; `continue_loop` and `requires_approval` change nothing here.
"""

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from lettalite.llm.types import CallTool, ToolChoice
from lettalite.schemas.tool_rule import (
    TOOL_RULES,
    ChildToolRule,
    ConditionalToolRule,
    InitToolRule,
    MaxCountPerStepToolRule,
    ParentToolRule,
    RequiredBeforeExitToolRule,
    TerminalToolRule,
    ToolRule,
)

CONSTRAINT_ERROR = "[ToolConstraintError] Cannot call {name}, valid tools include: {valid}."
REQUIRED_BEFORE_EXIT = (
    "[This is an automated system message hidden from the user] ToolRuleViolated: "
    "You must call {names} at least once to exit the loop."
)
BOOLEAN_KEYS = ("true", "false")
R = TypeVar("R")


@dataclass(frozen=True)
class CallHistory:
    """The calls that ran in this request, in order, and the message the last one returned."""

    names: tuple[str, ...] = ()
    last_message: str | None = None

    def after(self, names: Sequence[str], last_message: str | None) -> "CallHistory":
        if not names:
            return self
        return CallHistory((*self.names, *names), last_message)

    @property
    def last(self) -> str | None:
        return self.names[-1] if self.names else None


@dataclass(frozen=True)
class StepRules:
    """What the rules say about one model call."""

    offered: tuple[str, ...]
    # The tools the model may call now, in offered order: a subset of `offered`.
    permitted: tuple[str, ...]
    forced: bool
    prefills: Mapping[str, Mapping[str, Any]]
    # For each tool under a max-count rule, how many more calls this request allows.
    calls_left: Mapping[str, int]
    terminal: frozenset[str]
    # `required_before_exit` tools among the offered ones.
    required: tuple[str, ...]

    @property
    def allowed(self) -> tuple[str, ...] | None:
        """The tools to offer the model, or None when that is every offered tool."""
        return None if self.permitted == self.offered else self.permitted

    def tool_choice(self) -> ToolChoice:
        if not self.forced or not self.permitted:
            return "auto"
        if len(self.permitted) == 1:
            return CallTool(self.permitted[0])
        return "required"

    def screen(self, names: Sequence[str]) -> list[str | None]:
        """For each call of one step, in order: None if it may run, else the error the model
        reads instead of its result. A max-count tool called more often in the step than it
        has calls left is refused from the first call over. A name that is not offered at all
        is left to the toolbox (which says whether it exists) unless the step is restricted."""
        left = dict(self.calls_left)
        verdicts: list[str | None] = []
        for name in names:
            valid = [tool for tool in self.permitted if left.get(tool, 1) > 0]
            if name not in valid and (name in self.offered or self.allowed is not None):
                verdicts.append(CONSTRAINT_ERROR.format(name=name, valid=valid))
                continue
            if name in left:
                left[name] -= 1
            verdicts.append(None)
        return verdicts

    def prefilled(self, name: str, arguments: str) -> str:
        """The call's JSON arguments with the rules' prefilled ones written over them;
        arguments that are not a JSON object are left for the toolbox to refuse."""
        prefill = self.prefills.get(name)
        if not prefill:
            return arguments
        try:
            given = json.loads(arguments or "{}")
        except ValueError:
            return arguments
        if not isinstance(given, dict):
            return arguments
        return json.dumps({**given, **prefill}, ensure_ascii=False)

    def missing_before_exit(self, calls: CallHistory) -> list[str]:
        """`required_before_exit` tools not called yet in the request."""
        return [name for name in self.required if name not in calls.names]


class ToolRules:
    """An agent's tool rules."""

    def __init__(self, rules: Iterable[ToolRule]) -> None:
        self.rules = list(rules)

    @classmethod
    def of(cls, stored: Sequence[Any] | None) -> "ToolRules":
        """The rules as an agent stores them (they were validated when sent)."""
        return cls(TOOL_RULES.validate_python(list(stored or ())))

    def step(self, offered: Sequence[str], calls: CallHistory) -> StepRules:
        names = tuple(dict.fromkeys(offered))
        narrowed, forced = self._sequenced(set(names), calls)
        calls_left = self._calls_left(calls)
        return StepRules(
            offered=names,
            permitted=tuple(n for n in names if n in narrowed and calls_left.get(n, 1) > 0),
            forced=forced,
            prefills=self._prefills(calls),
            calls_left=calls_left,
            terminal=self.terminal,
            required=tuple(
                dict.fromkeys(
                    rule.tool_name
                    for rule in self._of(RequiredBeforeExitToolRule)
                    if rule.tool_name in names
                )
            ),
        )

    @property
    def terminal(self) -> frozenset[str]:
        """The `exit_loop` tools: the turn ends once one of them was called."""
        return frozenset(rule.tool_name for rule in self._of(TerminalToolRule))

    def _of(self, kind: type[R]) -> list[R]:
        return [rule for rule in self.rules if isinstance(rule, kind)]

    def _sequenced(self, offered: set[str], calls: CallHistory) -> tuple[set[str], bool]:
        """What the rules on the order of calls allow next (every offered tool when they
        leave nothing), and whether they force a call."""
        first = self._of(InitToolRule)
        if not calls.names and first:
            allowed = offered & {rule.tool_name for rule in first}
            return allowed or offered, True
        allowed = set(offered)
        for rule in self.rules:
            allowed &= _allows(rule, offered, calls)
        forced = any(
            isinstance(rule, ChildToolRule | ConditionalToolRule) and rule.tool_name == calls.last
            for rule in self.rules
        )
        return allowed or offered, forced

    def _calls_left(self, calls: CallHistory) -> dict[str, int]:
        left: dict[str, int] = {}
        for rule in self._of(MaxCountPerStepToolRule):
            remaining = max(rule.max_count_limit - calls.names.count(rule.tool_name), 0)
            left[rule.tool_name] = min(left.get(rule.tool_name, remaining), remaining)
        return left

    def _prefills(self, calls: CallHistory) -> dict[str, dict[str, Any]]:
        if not calls.names:
            nodes = [(rule.tool_name, rule.args) for rule in self._of(InitToolRule)]
        else:
            nodes = [
                (node.name, node.args)
                for rule in self._of(ChildToolRule)
                if rule.tool_name == calls.last
                for node in rule.child_arg_nodes or ()
            ]
        prefills: dict[str, dict[str, Any]] = {}
        for name, args in nodes:
            if args:
                prefills[name] = {**prefills.get(name, {}), **args}
        return prefills


def _allows(rule: ToolRule, offered: set[str], calls: CallHistory) -> set[str]:
    """The tools one rule allows next; every offered tool if it says nothing."""
    after_its_tool = calls.last == rule.tool_name
    if isinstance(rule, ChildToolRule) and after_its_tool:
        return set(rule.children)
    if isinstance(rule, ParentToolRule):
        return set(rule.children) if after_its_tool else offered - set(rule.children)
    if isinstance(rule, ConditionalToolRule) and after_its_tool:
        return _conditional_child(rule, calls.last_message or "", offered)
    return offered


def _conditional_child(rule: ConditionalToolRule, output: str, offered: set[str]) -> set[str]:
    for key, child in rule.child_output_mapping.items():
        if output_matches(output, key):
            return {child}
    if rule.default_child is not None:
        return {rule.default_child}
    return set() if rule.require_output_mapping else offered


def output_matches(output: str, key: str) -> bool:
    """Whether a tool's returned message matches a conditional key: "true"/"false" match
    booleans in any case, numbers match numerically ("1" is "1.0"), anything else exactly."""
    if key.lower() in BOOLEAN_KEYS:
        return output.strip().lower() == key.lower()
    key_number, output_number = _number(key), _number(output)
    if key_number is not None and output_number is not None:
        return key_number == output_number
    return output == key


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def renamed_in_rule(rule: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """A stored rule with every mention of tool `old` (as its tool, a child, a default child
    or a conditional target) changed to `new`."""

    def name(value: Any) -> Any:
        return new if value == old else value

    renamed = {**rule, "tool_name": name(rule.get("tool_name"))}
    if isinstance(rule.get("children"), list):
        renamed["children"] = [name(child) for child in rule["children"]]
    if "default_child" in rule:
        renamed["default_child"] = name(rule["default_child"])
    if isinstance(rule.get("child_output_mapping"), dict):
        renamed["child_output_mapping"] = {
            key: name(target) for key, target in rule["child_output_mapping"].items()
        }
    if isinstance(rule.get("child_arg_nodes"), list):
        renamed["child_arg_nodes"] = [
            {**node, "name": name(node.get("name"))} if isinstance(node, dict) else node
            for node in rule["child_arg_nodes"]
        ]
    return renamed
