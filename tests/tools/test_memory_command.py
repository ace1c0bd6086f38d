"""The file-style `memory` tool: every command, and every way a call can be incomplete."""

import pytest

from lettalite.tools import (
    BlockView,
    CreateBlock,
    DetachBlock,
    MemoryEdit,
    RenameBlock,
    SetDescription,
    SetValue,
    ToolError,
)
from lettalite.tools.memory import memory, memory_insert, memory_replace

from .factories import standard_blocks


@pytest.mark.parametrize("path", ["/memories/project", "project", "/project", "//project"])
def test_create_maps_any_path_form_to_the_label(path: str) -> None:
    result = memory(standard_blocks(), command="create", path=path, description="Project notes")
    assert result == MemoryEdit(
        message="Successfully created memory block 'project'.",
        changes=(CreateBlock("project", "", "Project notes"),),
    )


def test_create_with_initial_text() -> None:
    result = memory(
        standard_blocks(),
        command="create",
        path="/memories/todo",
        description="Open tasks",
        file_text="- buy milk",
    )
    assert isinstance(result, MemoryEdit)
    assert result.changes == (CreateBlock("todo", "- buy milk", "Open tasks"),)


@pytest.mark.parametrize(
    ("arguments", "missing"),
    [({"description": "d"}, "path"), ({"path": "/memories/x"}, "description")],
)
def test_create_requires_path_and_description(arguments: dict[str, str], missing: str) -> None:
    result = memory(standard_blocks(), command="create", **arguments)
    assert result == ToolError(f"Error: {missing} is required for create command")


def test_create_refuses_an_existing_label() -> None:
    result = memory(standard_blocks(), command="create", path="/memories/human", description="d")
    assert result == ToolError("Error: memory block 'human' already exists.")


@pytest.mark.parametrize("path", ["/memories/has space", "/memories/", "/memories/a/b", "x" * 65])
def test_create_refuses_invalid_labels(path: str) -> None:
    result = memory(standard_blocks(), command="create", path=path, description="d")
    assert isinstance(result, ToolError)
    assert result.message.startswith("Error: invalid memory block label")


def test_create_refuses_text_over_the_default_limit() -> None:
    result = memory(
        standard_blocks(), command="create", path="big", description="d", file_text="x" * 100_001
    )
    assert result == ToolError("Edit failed: Exceeds 100000 character limit (requested 100001)")


def test_create_refuses_line_numbered_text() -> None:
    result = memory(
        standard_blocks(), command="create", path="n", description="d", file_text="1→ hello"
    )
    assert isinstance(result, ToolError)
    assert result.message.startswith("file_text contains a line number prefix")


def test_str_replace_matches_memory_replace() -> None:
    blocks = standard_blocks()
    result = memory(
        blocks, command="str_replace", path="/memories/human", old_string="tea", new_string="milk"
    )
    assert result == memory_replace(blocks, label="human", old_string="tea", new_string="milk")
    assert result == MemoryEdit(
        message="Name: Bob\nLikes: milk\nCity: Oslo",
        changes=(SetValue("human", "Name: Bob\nLikes: milk\nCity: Oslo"),),
    )


def test_str_replace_reports_duplicates_like_memory_replace() -> None:
    blocks = {"notes": BlockView("notes", "a\nb\na", limit=100)}
    result = memory(blocks, command="str_replace", path="notes", old_string="a", new_string="c")
    assert isinstance(result, ToolError)
    assert "in lines [1, 3]" in result.message


@pytest.mark.parametrize(
    ("arguments", "missing"),
    [
        ({"old_string": "a", "new_string": "b"}, "path"),
        ({"path": "human", "new_string": "b"}, "old_string"),
        ({"path": "human", "old_string": "a"}, "new_string"),
    ],
)
def test_str_replace_requires_its_arguments(arguments: dict[str, str], missing: str) -> None:
    result = memory(standard_blocks(), command="str_replace", **arguments)
    assert result == ToolError(f"Error: {missing} is required for str_replace command")


@pytest.mark.parametrize("insert_line", [None, 0, 2, -1])
def test_insert_matches_memory_insert(insert_line: int | None) -> None:
    blocks = standard_blocks()
    result = memory(
        blocks,
        command="insert",
        path="/memories/human",
        insert_text="Age: 30",
        insert_line=insert_line,
    )
    expected_line = -1 if insert_line is None else insert_line
    assert result == memory_insert(
        blocks, label="human", new_string="Age: 30", insert_line=expected_line
    )
    assert isinstance(result, MemoryEdit)


def test_insert_reports_a_bad_line() -> None:
    result = memory(
        standard_blocks(), command="insert", path="human", insert_text="x", insert_line=9
    )
    assert isinstance(result, ToolError)
    assert result.message.startswith("Invalid `insert_line` parameter: 9.")


@pytest.mark.parametrize(
    ("arguments", "missing"),
    [({"insert_text": "a"}, "path"), ({"path": "human"}, "insert_text")],
)
def test_insert_requires_its_arguments(arguments: dict[str, str], missing: str) -> None:
    result = memory(standard_blocks(), command="insert", **arguments)
    assert result == ToolError(f"Error: {missing} is required for insert command")


def test_delete_detaches_the_block() -> None:
    result = memory(standard_blocks(), command="delete", path="/memories/persona")
    assert result == MemoryEdit(
        message="Successfully deleted memory block 'persona'.",
        changes=(DetachBlock("persona"),),
    )


def test_delete_requires_a_path() -> None:
    result = memory(standard_blocks(), command="delete")
    assert result == ToolError("Error: path is required for delete command")


def test_delete_refuses_read_only_and_unknown_blocks() -> None:
    read_only = memory(standard_blocks(), command="delete", path="policy")
    assert read_only == ToolError("Error This block is read-only and cannot be edited.")
    unknown = memory(standard_blocks(), command="delete", path="ghost")
    assert isinstance(unknown, ToolError)
    assert unknown.message.startswith("Memory block 'ghost' does not exist.")


def test_rename_relabels_the_block() -> None:
    result = memory(
        standard_blocks(), command="rename", old_path="/memories/human", new_path="/memories/user"
    )
    assert result == MemoryEdit(
        message="Successfully renamed memory block 'human' to 'user'.",
        changes=(RenameBlock("human", "user"),),
    )


def test_rename_refuses_an_existing_target() -> None:
    result = memory(standard_blocks(), command="rename", old_path="human", new_path="persona")
    assert result == ToolError("Error: memory block 'persona' already exists.")


def test_rename_refuses_an_invalid_target() -> None:
    result = memory(standard_blocks(), command="rename", old_path="human", new_path="new name")
    assert isinstance(result, ToolError)
    assert result.message.startswith("Error: invalid memory block label 'new name'")


def test_rename_refuses_read_only_and_unknown_blocks() -> None:
    read_only = memory(standard_blocks(), command="rename", old_path="policy", new_path="rules")
    assert read_only == ToolError("Error This block is read-only and cannot be edited.")
    unknown = memory(standard_blocks(), command="rename", old_path="ghost", new_path="spirit")
    assert isinstance(unknown, ToolError)
    assert unknown.message.startswith("Memory block 'ghost' does not exist.")


def test_rename_with_path_and_description_updates_the_description() -> None:
    result = memory(
        standard_blocks(), command="rename", path="/memories/human", description="About the user"
    )
    assert result == MemoryEdit(
        message="Successfully updated the description of memory block 'human'.",
        changes=(SetDescription("human", "About the user"),),
    )


@pytest.mark.parametrize(
    "arguments",
    [{}, {"old_path": "human"}, {"new_path": "user"}, {"path": "human"}, {"description": "d"}],
)
def test_rename_without_a_complete_pair_is_an_error(arguments: dict[str, str]) -> None:
    result = memory(standard_blocks(), command="rename", **arguments)
    assert isinstance(result, ToolError)
    assert "old_path and new_path" in result.message
    assert "path and description" in result.message


def test_unknown_command() -> None:
    result = memory(standard_blocks(), command="view", path="human")  # type: ignore[arg-type]
    assert result == ToolError(
        "Error: Unknown command 'view'. Supported commands: create, str_replace, insert, delete, "
        "rename"
    )
