"""How a call reaches the tool's function and how its outcome comes back."""

import pytest

from tests.sandbox.conftest import MakeSandbox, run

MECHANISMS = ["bubblewrap", "process"]


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_return_value_stdout_and_stderr_come_back_apart(
    make_sandbox: MakeSandbox, mechanism: str
) -> None:
    source = """
        import sys

        def greet(name: str) -> dict:
            print("hello from stdout")
            print("hello from stderr", file=sys.stderr)
            return {"greeting": f"Hello, {name}!", "items": [1, 2.5, None, True]}
    """
    result = run(make_sandbox(mechanism=mechanism), source, "greet", arguments={"name": "Ada"})
    assert result.status == "success" and result.error is None
    assert result.func_return == {"greeting": "Hello, Ada!", "items": [1, 2.5, None, True]}
    assert result.stdout == "hello from stdout\n"
    assert result.stderr == "hello from stderr\n"


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_an_exception_is_an_error_named_by_its_type_and_message(
    make_sandbox: MakeSandbox, mechanism: str
) -> None:
    source = """
        def divide(a: int, b: int) -> float:
            print("about to divide")
            return a / b
    """
    result = run(make_sandbox(mechanism=mechanism), source, "divide", arguments={"a": 1, "b": 0})
    assert result.status == "error" and result.func_return is None
    assert result.error == "ZeroDivisionError: division by zero"
    assert result.stdout == "about to divide\n"
    assert 'File "<tool source>", line 4, in divide' in result.stderr
    assert "    return a / b" in result.stderr  # the tool's own line is quoted
    assert "runner.py" not in result.stderr


def test_async_functions_are_run_to_completion(make_sandbox: MakeSandbox) -> None:
    source = """
        import asyncio

        async def later(seconds: float) -> str:
            await asyncio.sleep(seconds)
            return f"waited {seconds}"
    """
    result = run(make_sandbox(), source, "later", arguments={"seconds": 0.01})
    assert (result.status, result.func_return) == ("success", "waited 0.01")


def test_agent_state_has_attribute_access_and_memory_blocks(make_sandbox: MakeSandbox) -> None:
    source = """
        def describe(topic: str, agent_state: "AgentState", agent_id: str) -> str:
            human = agent_state.memory.get_block("human").value
            tags = ",".join(agent_state.tags)
            return f"{agent_id}/{agent_state.name}/{tags}/{human}/{topic}/{agent_state['id']}"
    """
    state = {
        "id": "agent-1",
        "name": "helper",
        "tags": ["a", "b"],
        "memory": {"blocks": [{"label": "human", "value": "Ada likes tea", "limit": 100}]},
    }
    result = run(make_sandbox(), source, "describe", arguments={"topic": "x"}, agent_state=state)
    assert result.func_return == "agent-1/helper/a,b/Ada likes tea/x/agent-1"


def test_a_missing_memory_block_is_a_key_error_listing_the_labels(
    make_sandbox: MakeSandbox,
) -> None:
    source = """
        def read(agent_state) -> str:
            return agent_state.memory.get_block("nope").value
    """
    state = {"id": "agent-1", "blocks": [{"label": "persona", "value": "p"}]}
    result = run(make_sandbox(), source, "read", agent_state=state)
    assert result.status == "error"
    assert (
        result.error == "KeyError: 'Block field nope does not exist (available sections = persona)'"
    )


def test_arguments_are_coerced_to_simple_annotations_and_pydantic_models(
    make_sandbox: MakeSandbox,
) -> None:
    source = """
        from typing import Optional
        from pydantic import BaseModel, Field

        class Step(BaseModel):
            name: str = Field(..., description="what to do")
            minutes: int = Field(..., description="how long")

        def plan(count: int, ratio: float, loud: bool, label: str, steps: list[Step],
                 first: Step, maybe: Optional[int] = None) -> list:
            return [count + 1, ratio * 2, loud is True, label + "!", maybe,
                    [s.minutes for s in steps], type(first).__name__, first.name]
    """
    arguments = {
        "count": "41",
        "ratio": 2,
        "loud": "true",
        "label": 7,
        "maybe": "3",
        "steps": [{"name": "a", "minutes": "5"}, {"name": "b", "minutes": 6}],
        "first": {"name": "start", "minutes": 1},
    }
    result = run(make_sandbox(), source, "plan", arguments=arguments)
    assert result.error is None
    assert result.func_return == [42, 4.0, True, "7!", 3, [5, 6], "Step", "start"]


def test_arguments_the_function_does_not_take_are_named_in_the_error(
    make_sandbox: MakeSandbox,
) -> None:
    source = """
        def one(a: int) -> int:
            return a
    """
    result = run(make_sandbox(), source, "one", arguments={"a": 1, "zeta": 2, "beta": 3})
    assert result.status == "error"
    assert result.error == "one() got unexpected arguments: beta, zeta"


def test_a_function_missing_from_the_source_is_an_error(make_sandbox: MakeSandbox) -> None:
    result = run(make_sandbox(), "def other():\n    return 1\n", "wanted")
    assert (result.status, result.error) == (
        "error",
        "The source code defines no function named 'wanted'",
    )


def test_values_json_cannot_hold_are_returned_as_their_text(make_sandbox: MakeSandbox) -> None:
    source = """
        import datetime

        def when() -> dict:
            return {"at": datetime.date(2024, 5, 1), "ids": {7}}
    """
    result = run(make_sandbox(), source, "when")
    assert result.func_return == {"at": "2024-05-01", "ids": "{7}"}


def test_a_tool_that_exits_without_returning_is_an_error(make_sandbox: MakeSandbox) -> None:
    source = """
        import sys

        def leave() -> None:
            sys.exit(3)
    """
    result = run(make_sandbox(), source, "leave")
    assert (result.status, result.error) == (
        "error",
        "The tool leave exited with code 3 before returning.",
    )


def test_a_result_nested_too_deeply_to_read_is_an_error(make_sandbox: MakeSandbox) -> None:
    # The tool can write to the result channel itself; the server must not fail reading it.
    source = """
        import os
        import sys

        def nest() -> list:
            os.write(int(sys.argv[1]), b'{"status": "success", "value": ' + b"[" * 30000)
            os.write(int(sys.argv[1]), b"]" * 30000 + b"}")
            os._exit(0)
    """
    result = run(make_sandbox(), source, "nest")
    assert (result.status, result.error) == (
        "error",
        "The tool nest returned a value the server cannot read (not JSON, or nested too deeply).",
    )


def test_lone_surrogates_in_the_result_become_question_marks(make_sandbox: MakeSandbox) -> None:
    # JSON can escape a lone surrogate, which no UTF-8 text (a response, a database) can hold.
    source = """
        def odd(flag: bool) -> str:
            if flag:
                raise ValueError("bad \\udcff byte")
            return {"\\ud800key": ["\\udcff", "pair \\ud83d\\ude00"]}
    """
    value = run(make_sandbox(), source, "odd", arguments={"flag": False})
    assert value.func_return == {"?key": ["?", "pair \U0001f600"]}
    error = run(make_sandbox(), source, "odd", arguments={"flag": True})
    assert error.error == "ValueError: bad ? byte"


def test_a_return_value_json_cannot_encode_is_named_in_the_error(
    make_sandbox: MakeSandbox,
) -> None:
    source = """
        def pairs() -> dict:
            return {(1, 2): "a tuple key"}
    """
    result = run(make_sandbox(), source, "pairs")
    assert (result.status, result.error) == (
        "error",
        "The return value is not JSON: keys must be str, int, float, bool or None, not tuple",
    )
