"""Happy paths and tool-specific errors of the label-based memory tools."""

import pytest

from lettalite.tools import BlockView, MemoryEdit, SetValue, ToolError
from lettalite.tools.memory import (
    core_memory_append,
    core_memory_replace,
    memory_insert,
    memory_replace,
    memory_rethink,
)

from .factories import blocks_of, standard_blocks


def edited(result: MemoryEdit | ToolError, label: str) -> str:
    """Assert a single SetValue edit whose message is the new value, and return that value."""
    assert isinstance(result, MemoryEdit), result
    (change,) = result.changes
    assert change == SetValue(label, result.message)
    return result.message


def test_memory_replace_replaces_the_unique_occurrence() -> None:
    result = memory_replace(standard_blocks(), label="human", old_string="tea", new_string="coffee")
    assert edited(result, "human") == "Name: Bob\nLikes: coffee\nCity: Oslo"


def test_memory_replace_with_empty_new_string_deletes() -> None:
    result = memory_replace(
        standard_blocks(), label="human", old_string="\nCity: Oslo", new_string=""
    )
    assert edited(result, "human") == "Name: Bob\nLikes: tea"


def test_memory_replace_reports_absent_text() -> None:
    result = memory_replace(standard_blocks(), label="human", old_string="Alice", new_string="Eve")
    assert result == ToolError(
        "No replacement was performed, old_string `Alice` did not appear verbatim in memory "
        "block with label `human`."
    )


def test_memory_replace_reports_the_lines_of_every_occurrence() -> None:
    blocks = blocks_of(BlockView("notes", "x = 1\ny = 2\nx = 3", limit=100))
    result = memory_replace(blocks, label="notes", old_string="x =", new_string="z =")
    assert result == ToolError(
        "No replacement was performed. Multiple occurrences of old_string `x =` in lines [1, 3]. "
        "Please ensure it is unique."
    )


def test_memory_replace_counts_overlapping_occurrences() -> None:
    blocks = blocks_of(BlockView("notes", "aaa", limit=100))
    result = memory_replace(blocks, label="notes", old_string="aa", new_string="b")
    assert isinstance(result, ToolError)
    assert "in lines [1, 1]" in result.message


def test_memory_replace_rejects_empty_old_string() -> None:
    result = memory_replace(standard_blocks(), label="human", old_string="", new_string="x")
    assert isinstance(result, ToolError)
    assert "old_string must not be empty" in result.message


def test_memory_replace_expands_tabs_everywhere() -> None:
    blocks = blocks_of(BlockView("notes", "a\tb\nc", limit=100))
    result = memory_replace(blocks, label="notes", old_string="a\tb", new_string="x\ty")
    assert edited(result, "notes") == "x       y\nc"
    matched_after_expansion = memory_replace(
        blocks, label="notes", old_string="a       b", new_string="z"
    )
    assert edited(matched_after_expansion, "notes") == "z\nc"


@pytest.mark.parametrize(
    ("insert_line", "expected"),
    [
        (0, "NEW\nName: Bob\nLikes: tea\nCity: Oslo"),
        (1, "Name: Bob\nNEW\nLikes: tea\nCity: Oslo"),
        (2, "Name: Bob\nLikes: tea\nNEW\nCity: Oslo"),
        (3, "Name: Bob\nLikes: tea\nCity: Oslo\nNEW"),
        (-1, "Name: Bob\nLikes: tea\nCity: Oslo\nNEW"),
    ],
)
def test_memory_insert_positions(insert_line: int, expected: str) -> None:
    result = memory_insert(
        standard_blocks(), label="human", new_string="NEW", insert_line=insert_line
    )
    assert edited(result, "human") == expected


def test_memory_insert_appends_by_default_and_keeps_multiline_text() -> None:
    result = memory_insert(standard_blocks(), label="persona", new_string="Line A\nLine B")
    assert edited(result, "persona") == "I am a helpful assistant.\nLine A\nLine B"


@pytest.mark.parametrize("insert_line", [4, -2, 100])
def test_memory_insert_rejects_lines_out_of_range(insert_line: int) -> None:
    result = memory_insert(
        standard_blocks(), label="human", new_string="NEW", insert_line=insert_line
    )
    assert result == ToolError(
        f"Invalid `insert_line` parameter: {insert_line}. It should be within the range of lines "
        "of the memory block: [0, 3], or -1 to append to the end of the memory block."
    )


@pytest.mark.parametrize("insert_line", [0, -1])
def test_memory_insert_into_empty_block_gives_exactly_the_new_text(insert_line: int) -> None:
    blocks = blocks_of(BlockView("scratch", "", limit=100))
    result = memory_insert(blocks, label="scratch", new_string="first", insert_line=insert_line)
    assert edited(result, "scratch") == "first"


def test_memory_insert_into_empty_block_rejects_line_one() -> None:
    blocks = blocks_of(BlockView("scratch", "", limit=100))
    result = memory_insert(blocks, label="scratch", new_string="first", insert_line=1)
    assert isinstance(result, ToolError)
    assert "[0, 0]" in result.message


def test_memory_rethink_replaces_the_whole_value() -> None:
    result = memory_rethink(standard_blocks(), label="persona", new_memory="I am terse.")
    assert edited(result, "persona") == "I am terse."


def test_memory_rethink_does_not_create_blocks() -> None:
    result = memory_rethink(standard_blocks(), label="brand_new", new_memory="hello")
    assert result == ToolError(
        "Memory block 'brand_new' does not exist. Available blocks: human, persona, policy"
    )


def test_core_memory_append_adds_a_line() -> None:
    result = core_memory_append(standard_blocks(), label="persona", content="I like jokes.")
    assert edited(result, "persona") == "I am a helpful assistant.\nI like jokes."


def test_core_memory_append_to_empty_block_has_no_leading_newline() -> None:
    blocks = blocks_of(BlockView("scratch", "", limit=100))
    result = core_memory_append(blocks, label="scratch", content="first")
    assert edited(result, "scratch") == "first"


def test_core_memory_replace_replaces_every_occurrence() -> None:
    blocks = blocks_of(BlockView("notes", "cat, cat and cat", limit=100))
    result = core_memory_replace(blocks, label="notes", old_content="cat", new_content="dog")
    assert edited(result, "notes") == "dog, dog and dog"


def test_core_memory_replace_reports_absent_text() -> None:
    result = core_memory_replace(
        standard_blocks(), label="human", old_content="Alice", new_content="Eve"
    )
    assert result == ToolError("Old content 'Alice' not found in memory block 'human'")


def test_core_memory_replace_rejects_empty_old_content() -> None:
    result = core_memory_replace(standard_blocks(), label="human", old_content="", new_content="x")
    assert isinstance(result, ToolError)
    assert "old_content must not be empty" in result.message
