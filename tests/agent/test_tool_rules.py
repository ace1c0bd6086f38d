"""The tool-rule solver (pure): which tools a model may call next in a request, and why."""

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lettalite.agent.tool_rules import (
    CallHistory,
    StepRules,
    ToolRules,
    output_matches,
    renamed_in_rule,
)
from lettalite.llm.types import CallTool

OFFERED = ("search", "insert", "replace", "append")


def rule(kind: str, tool: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "tool_name": tool, **fields}


def step(rules: list[dict[str, Any]], *called: str, last: str | None = None) -> StepRules:
    return ToolRules.of(rules).step(OFFERED, CallHistory(called, last))


def test_without_rules_every_tool_is_offered_and_nothing_is_forced() -> None:
    answer = step([rule("continue_loop", "search"), rule("requires_approval", "insert")])
    assert (answer.allowed, answer.forced, answer.tool_choice()) == (None, False, "auto")
    assert answer.screen(["search", "insert", "nonexistent"]) == [None, None, None]


def test_run_first_offers_only_its_tools_before_any_call_and_forces_one() -> None:
    rules = [rule("run_first", "search", args={"query": "x"}), rule("exit_loop", "insert")]
    first = step(rules)
    assert (first.allowed, first.tool_choice()) == (("search",), CallTool("search"))
    assert first.prefills == {"search": {"query": "x"}}
    later = step(rules, "search")
    assert (later.allowed, later.forced, later.prefills) == (None, False, {})
    two = step([rule("run_first", "search"), rule("run_first", "append")])
    assert (two.allowed, two.tool_choice()) == (("search", "append"), "required")


def test_a_run_first_tool_that_is_not_offered_leaves_every_tool() -> None:
    assert step([rule("run_first", "elsewhere")]).allowed is None


def test_constrain_child_tools_after_the_parent_only() -> None:
    rules = [
        rule(
            "constrain_child_tools",
            "search",
            children=["insert", "replace"],
            child_arg_nodes=[{"name": "insert", "args": {"label": "human"}}],
        )
    ]
    assert step(rules).allowed is None
    after = step(rules, "search")
    assert (after.allowed, after.tool_choice()) == (("insert", "replace"), "required")
    assert after.prefills == {"insert": {"label": "human"}}
    assert step(rules, "search", "insert").allowed is None


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("true", ("insert",)),
        ("True", ("insert",)),
        ("3.0", ("replace",)),
        ("done", ("append",)),
        ("something else", ("search",)),
    ],
)
def test_conditional_picks_the_child_by_the_returned_message(
    output: str, expected: tuple[str, ...]
) -> None:
    mapping = {"true": "insert", "3": "replace", "done": "append"}
    rules = [rule("conditional", "search", child_output_mapping=mapping, default_child="search")]
    answer = step(rules, "search", last=output)
    assert (answer.allowed, answer.tool_choice()) == (expected, CallTool(expected[0]))


def test_conditional_without_a_match_or_default_allows_every_tool_but_forces_a_call() -> None:
    rules = [rule("conditional", "search", child_output_mapping={"yes": "insert"})]
    answer = step(rules, "search", last="no")
    assert (answer.allowed, answer.tool_choice()) == (None, "required")
    required = [{**rules[0], "require_output_mapping": True}]
    assert step(required, "search", last="no").allowed is None  # empty: all tools again


def test_output_matching() -> None:
    assert output_matches("FALSE", "false") and not output_matches("0", "false")
    assert output_matches("1e3", "1000") and not output_matches("1000", "100")
    assert output_matches("abc", "abc") and not output_matches("abc ", "abc")
    assert output_matches("nan", "nan") and not output_matches("inf", "1e999")  # as text


def test_parent_last_tool_allows_children_only_right_after_the_parent() -> None:
    rules = [rule("parent_last_tool", "search", children=["insert"])]
    assert step(rules).allowed == ("search", "replace", "append")
    after = step(rules, "search")
    assert (after.allowed, after.forced) == (("insert",), False)
    assert step(rules, "search", "append").allowed == ("search", "replace", "append")


def test_sets_intersect_and_an_empty_intersection_allows_everything() -> None:
    children = rule("constrain_child_tools", "search", children=["insert", "replace"])
    parent = rule("parent_last_tool", "append", children=["replace"])
    assert step([children, parent], "search").allowed == ("insert",)
    disjoint = rule("constrain_child_tools", "search", children=["append"])
    assert step([children, disjoint], "search").allowed is None


def test_max_count_removes_the_tool_after_its_limit_even_after_the_fallback() -> None:
    rules = [rule("max_count_per_step", "search", max_count_limit=2)]
    assert step(rules, "search").calls_left == {"search": 1}
    exhausted = step(rules, "search", "search")
    assert exhausted.allowed == ("insert", "replace", "append")
    only_child = rule("constrain_child_tools", "insert", children=["search"])
    assert step([*rules, only_child], "search", "search", "insert").allowed == ()


def test_screening_refuses_calls_outside_the_allowed_set_with_letta_text() -> None:
    answer = step([rule("constrain_child_tools", "search", children=["insert"])], "search")
    assert answer.screen(["insert", "append", "unknown"]) == [
        None,
        "[ToolConstraintError] Cannot call append, valid tools include: ['insert'].",
        "[ToolConstraintError] Cannot call unknown, valid tools include: ['insert'].",
    ]


def test_screening_counts_a_max_count_tool_within_the_step() -> None:
    answer = step([rule("max_count_per_step", "search", max_count_limit=1)])
    first, second = answer.screen(["search", "search"])
    assert first is None
    assert second == (
        "[ToolConstraintError] Cannot call search, valid tools include: "
        "['insert', 'replace', 'append']."
    )


def test_prefilled_arguments_override_the_models() -> None:
    answer = step([rule("run_first", "search", args={"query": "fixed", "limit": 3})])
    merged = json.loads(answer.prefilled("search", '{"query": "mine", "page": 2}'))
    assert merged == {"query": "fixed", "page": 2, "limit": 3}
    assert json.loads(answer.prefilled("search", "")) == {"query": "fixed", "limit": 3}
    assert answer.prefilled("search", "{oops") == "{oops"  # the toolbox reports it
    assert answer.prefilled("insert", '{"a": 1}') == '{"a": 1}'


def test_terminal_and_required_before_exit() -> None:
    rules = [
        rule("exit_loop", "append"),
        rule("required_before_exit", "insert"),
        rule("required_before_exit", "replace"),
        rule("required_before_exit", "unattached"),
    ]
    answer = step(rules)
    assert answer.terminal == {"append"}
    assert answer.missing_before_exit(CallHistory()) == ["insert", "replace"]
    assert answer.missing_before_exit(CallHistory(("replace",))) == ["insert"]


def test_history_grows_only_when_calls_ran() -> None:
    history = CallHistory(("a",), "x")
    assert history.after([], "ignored") is history
    assert history.after(["b", "c"], "y") == CallHistory(("a", "b", "c"), "y")


# --- properties over random rules and random model calls ------------------------------------

NAMES = ("search", "insert", "replace", "other")
tool_name = st.sampled_from(NAMES)
names = st.lists(tool_name, max_size=3, unique=True)
random_rule = st.one_of(
    st.builds(lambda t: rule("run_first", t), tool_name),
    st.builds(lambda t: rule("exit_loop", t), tool_name),
    st.builds(lambda t, c: rule("constrain_child_tools", t, children=c), tool_name, names),
    st.builds(
        lambda t, m, d, r: rule(
            "conditional", t, child_output_mapping=m, default_child=d, require_output_mapping=r
        ),
        tool_name,
        st.dictionaries(st.sampled_from(["true", "1", "ok"]), tool_name, min_size=1),
        st.none() | tool_name,
        st.booleans(),
    ),
    st.builds(lambda t, c: rule("parent_last_tool", t, children=c), tool_name, names),
    st.builds(
        lambda t, n: rule("max_count_per_step", t, max_count_limit=n),
        tool_name,
        st.integers(1, 3),
    ),
    st.builds(lambda t: rule("required_before_exit", t), tool_name),
)
offered_tools = st.lists(tool_name, min_size=1, max_size=4, unique=True)
outputs = st.sampled_from(["true", "1.0", "ok", "no"])


@settings(max_examples=500)
@given(st.lists(random_rule, max_size=4), offered_tools, st.data())
def test_a_request_never_breaks_its_rules(
    rules: list[dict[str, Any]], offered: list[str], data: st.DataObject
) -> None:
    """Whatever the model calls, step after step, the calls that run are allowed ones, max
    counts hold, the allowed set stays within the offered tools, and a forced choice names
    the one allowed tool."""
    solver = ToolRules.of(rules)
    limits: dict[str, int] = {}
    for r in rules:
        if r["type"] == "max_count_per_step":
            limits[r["tool_name"]] = min(limits.get(r["tool_name"], 9), r["max_count_limit"])
    history = CallHistory()
    for _ in range(data.draw(st.integers(1, 5))):
        answer = solver.step(offered, history)
        assert set(answer.permitted) <= set(offered)
        assert answer.allowed is None or answer.allowed == answer.permitted
        choice = answer.tool_choice()
        if isinstance(choice, CallTool):
            assert answer.permitted == (choice.name,)
        calls = data.draw(st.lists(st.sampled_from([*offered, "unknown"]), max_size=4))
        ran = [c for c, refusal in zip(calls, answer.screen(calls), strict=True) if not refusal]
        assert all(c in answer.permitted or c not in offered for c in ran)
        ran = [c for c in ran if c in offered]  # the toolbox refuses the rest
        history = history.after(ran, data.draw(outputs))
        for tool, limit in limits.items():
            assert history.names.count(tool) <= limit


@given(st.lists(random_rule, max_size=6), offered_tools, st.lists(tool_name, max_size=4))
def test_rules_that_do_not_order_calls_leave_every_tool_unforced(
    rules: list[dict[str, Any]], offered: list[str], called: list[str]
) -> None:
    ordering = {"run_first", "constrain_child_tools", "conditional", "parent_last_tool"}
    free = [r for r in rules if r["type"] not in ordering | {"max_count_per_step"}]
    answer = ToolRules.of(free).step(offered, CallHistory(tuple(called), "ok"))
    assert (answer.allowed, answer.tool_choice()) == (None, "auto")


TOOL_NAMES = st.sampled_from(["a", "b", "c", "old"])


@given(
    tool=TOOL_NAMES,
    children=st.lists(TOOL_NAMES, max_size=4),
    mapping=st.dictionaries(st.sampled_from(["true", "false", "1"]), TOOL_NAMES, max_size=3),
)
def test_a_rename_reaches_every_mention_and_can_be_undone(
    tool: str, children: list[str], mapping: dict[str, str]
) -> None:
    rule = {
        "type": "conditional",
        "tool_name": tool,
        "children": children,
        "default_child": tool,
        "child_output_mapping": mapping,
        "prompt_template": None,
    }
    renamed = renamed_in_rule(rule, "old", "new")
    assert "old" not in json.dumps(renamed)
    assert renamed_in_rule(renamed, "new", "old") == rule
