"""Tool rules and `response_format` on agents: stored as sent, returned on AgentState through
the official SDK, and refused with a 422 naming the problem when malformed."""

from typing import Any

import httpx
import pytest
from letta_client import Letta

from tests.factories import agent_body, create_seed_agent

EVERY_RULE: list[dict[str, Any]] = [
    {"type": "run_first", "tool_name": "conversation_search", "args": {"query": "start"}},
    {"type": "exit_loop", "tool_name": "memory_rethink"},
    {"type": "continue_loop", "tool_name": "memory_insert"},
    {
        "type": "constrain_child_tools",
        "tool_name": "conversation_search",
        "children": ["memory_insert", "memory_replace"],
        "child_arg_nodes": [{"name": "memory_insert", "args": {"label": "human"}}],
    },
    {
        "type": "conditional",
        "tool_name": "memory_replace",
        "child_output_mapping": {"true": "memory_insert"},
        "default_child": "conversation_search",
        "require_output_mapping": True,
    },
    {"type": "parent_last_tool", "tool_name": "memory_insert", "children": ["memory_rethink"]},
    {"type": "max_count_per_step", "tool_name": "conversation_search", "max_count_limit": 2},
    {"type": "required_before_exit", "tool_name": "memory_replace"},
    {"type": "requires_approval", "tool_name": "memory_rethink", "prompt_template": "ask"},
]


def as_sent(rules) -> list[dict[str, Any]]:
    return [rule.model_dump(exclude_none=True) for rule in rules]


def test_every_rule_type_is_stored_and_returned_as_sent(client: Letta) -> None:
    agent = create_seed_agent(client, tools=["memory_rethink"], tool_rules=EVERY_RULE)
    expected = [{k: v for k, v in rule.items() if k != "child_arg_nodes"} for rule in EVERY_RULE]
    returned = as_sent(agent.tool_rules)
    assert [{k: v for k, v in r.items() if k != "child_arg_nodes"} for r in returned] == expected
    assert [n.model_dump() for n in agent.tool_rules[3].child_arg_nodes] == [
        {"name": "memory_insert", "args": {"label": "human"}}
    ]
    assert as_sent(client.agents.retrieve(agent.id).tool_rules) == returned
    updated = client.agents.update(agent.id, tool_rules=EVERY_RULE[:2])
    assert as_sent(updated.tool_rules) == expected[:2]


def test_response_format_round_trips_and_clears(client: Letta) -> None:
    assert create_seed_agent(client).response_format is None
    schema = {"name": "reply", "schema": {"type": "object", "properties": {}}}
    agent = create_seed_agent(
        client, response_format={"type": "json_schema", "json_schema": schema}
    )
    assert agent.response_format.model_dump() == {"type": "json_schema", "json_schema": schema}
    updated = client.agents.update(agent.id, response_format={"type": "json_object"})
    assert updated.response_format.type == "json_object"
    untouched = client.agents.update(agent.id, description="kept")
    assert untouched.response_format.type == "json_object"
    cleared = client.agents.update(agent.id, response_format=None)
    assert cleared.response_format is None
    text = client.agents.update(agent.id, response_format={"type": "text"})
    assert client.agents.retrieve(text.id).response_format.type == "text"


@pytest.mark.parametrize(
    ("rule", "fragments"),
    [
        ({"type": "sometimes", "tool_name": "t"}, ("tool_rules.0", "does not match", "run_first")),
        ({"tool_name": "t"}, ("tool_rules.0", "Unable to extract tag using discriminator 'type'")),
        ({"type": "exit_loop"}, ("tool_rules.0.exit_loop.tool_name", "Field required")),
        (
            {"type": "constrain_child_tools", "tool_name": "t"},
            ("tool_rules.0.constrain_child_tools.children", "Field required"),
        ),
        (
            {
                "type": "constrain_child_tools",
                "tool_name": "t",
                "children": ["a"],
                "child_arg_nodes": [{"name": "b"}],
            },
            ("child_arg_nodes name tools that are not children: ['b']",),
        ),
        (
            {"type": "conditional", "tool_name": "t", "child_output_mapping": {}},
            ("tool_rules.0.conditional.child_output_mapping", "at least 1 item"),
        ),
        (
            {"type": "max_count_per_step", "tool_name": "t", "max_count_limit": 0},
            ("tool_rules.0.max_count_per_step.max_count_limit", "greater than or equal to 1"),
        ),
    ],
)
def test_malformed_rules_are_422_naming_the_problem(
    http: httpx.Client, rule: dict[str, Any], fragments: tuple[str, ...]
) -> None:
    response = http.post("/v1/agents/", json=agent_body(tool_rules=[rule]))
    assert response.status_code == 422
    for fragment in fragments:
        assert fragment in response.json()["detail"]


@pytest.mark.parametrize(
    ("response_format", "fragment"),
    [
        ({"type": "yaml"}, "does not match any of the expected tags"),
        ({"type": "json_schema"}, "response_format.json_schema.json_schema: Field required"),
    ],
)
def test_malformed_response_formats_are_422(
    http: httpx.Client, response_format: dict[str, Any], fragment: str
) -> None:
    response = http.post("/v1/agents/", json=agent_body(response_format=response_format))
    assert response.status_code == 422
    assert fragment in response.json()["detail"]
