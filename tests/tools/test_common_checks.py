"""The checks every edit of an existing block goes through, for every tool that edits one."""

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from lettalite.tools import LINE_NUMBER_WARNING, BlockView, MemoryEdit, ToolError
from lettalite.tools.memory import (
    core_memory_append,
    core_memory_replace,
    memory,
    memory_insert,
    memory_replace,
    memory_rethink,
)

from .factories import blocks_of, standard_blocks

# name -> (tool, arguments other than the block's address); the text values fit "Name: Bob".
EDITS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "memory_replace": (memory_replace, {"old_string": "Bob", "new_string": "Robert"}),
    "memory_insert": (memory_insert, {"new_string": "Age: 30"}),
    "memory_rethink": (memory_rethink, {"new_memory": "Name: Robert"}),
    "core_memory_append": (core_memory_append, {"content": "Age: 30"}),
    "core_memory_replace": (core_memory_replace, {"old_content": "Bob", "new_content": "Robert"}),
    "memory str_replace": (
        memory,
        {"command": "str_replace", "old_string": "Bob", "new_string": "Robert"},
    ),
    "memory insert": (memory, {"command": "insert", "insert_text": "Age: 30"}),
}
TEXT_ARGUMENTS = [
    (edit, argument)
    for edit, (_, arguments) in EDITS.items()
    for argument in arguments
    if argument != "command"
]


def call_edit(
    edit: str, blocks: Mapping[str, BlockView], label: str, **overrides: Any
) -> MemoryEdit | ToolError:
    tool, arguments = EDITS[edit]
    address = {"path": f"/memories/{label}"} if tool is memory else {"label": label}
    return tool(blocks, **address, **{**arguments, **overrides})


@pytest.mark.parametrize("edit", EDITS)
def test_unknown_label_lists_the_available_blocks(edit: str) -> None:
    result = call_edit(edit, standard_blocks(), "missing")
    assert result == ToolError(
        "Memory block 'missing' does not exist. Available blocks: human, persona, policy"
    )


@pytest.mark.parametrize("edit", EDITS)
def test_unknown_label_without_any_blocks(edit: str) -> None:
    result = call_edit(edit, {}, "human")
    assert result == ToolError("Memory block 'human' does not exist. There are no memory blocks.")


@pytest.mark.parametrize("edit", EDITS)
def test_read_only_block_is_refused(edit: str) -> None:
    blocks = blocks_of(BlockView("human", "Name: Bob", limit=100, read_only=True))
    result = call_edit(edit, blocks, "human")
    assert result == ToolError("Error This block is read-only and cannot be edited.")


@pytest.mark.parametrize("edit", EDITS)
def test_read_only_is_checked_before_line_numbers(edit: str) -> None:
    blocks = blocks_of(BlockView("human", "Name: Bob", limit=100, read_only=True))
    _, arguments = EDITS[edit]
    text_argument = next(name for name in arguments if name != "command")
    result = call_edit(edit, blocks, "human", **{text_argument: "1→ Name: Bob"})
    assert result == ToolError("Error This block is read-only and cannot be edited.")


@pytest.mark.parametrize("text", ["1→ Name: Bob", "Name: Bob\n  12→x", "\t3→\tindented"])
@pytest.mark.parametrize(("edit", "argument"), TEXT_ARGUMENTS)
def test_line_number_prefix_is_refused(edit: str, argument: str, text: str) -> None:
    blocks = blocks_of(BlockView("human", "Name: Bob", limit=100))
    result = call_edit(edit, blocks, "human", **{argument: text})
    assert result == ToolError(
        f"{argument} contains a line number prefix, which is not allowed. Do not include line "
        "numbers when calling memory tools (line numbers are for display purposes only)."
    )


@pytest.mark.parametrize(("edit", "argument"), TEXT_ARGUMENTS)
def test_line_number_warning_is_refused(edit: str, argument: str) -> None:
    blocks = blocks_of(BlockView("human", "Name: Bob", limit=100))
    result = call_edit(edit, blocks, "human", **{argument: f"{LINE_NUMBER_WARNING}\nName: Bob"})
    assert result == ToolError(
        f"{argument} contains a line number warning, which is not allowed. Do not include line "
        "number information when calling memory tools (line numbers are for display purposes "
        "only)."
    )


@pytest.mark.parametrize("edit", EDITS)
def test_numbers_without_the_arrow_are_fine(edit: str) -> None:
    _, arguments = EDITS[edit]
    blocks = blocks_of(BlockView("human", "Name: Bob", limit=100))
    overrides = {
        name: f"1. {value}"
        for name, value in arguments.items()
        if name != "command" and not name.startswith("old")
    }
    assert isinstance(call_edit(edit, blocks, "human", **overrides), MemoryEdit)


@pytest.mark.parametrize("edit", EDITS)
def test_result_over_the_limit_is_refused(edit: str) -> None:
    roomy = call_edit(edit, blocks_of(BlockView("human", "Name: Bob", limit=100)), "human")
    assert isinstance(roomy, MemoryEdit)
    requested = len(roomy.message)
    tight = call_edit(edit, blocks_of(BlockView("human", "Name: Bob", limit=10)), "human")
    assert tight == ToolError(f"Edit failed: Exceeds 10 character limit (requested {requested})")


@pytest.mark.parametrize("edit", EDITS)
def test_result_exactly_at_the_limit_is_accepted(edit: str) -> None:
    roomy = call_edit(edit, blocks_of(BlockView("human", "Name: Bob", limit=100)), "human")
    assert isinstance(roomy, MemoryEdit)
    exact = blocks_of(BlockView("human", "Name: Bob", limit=len(roomy.message)))
    assert call_edit(edit, exact, "human") == roomy
