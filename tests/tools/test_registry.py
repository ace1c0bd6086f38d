"""The registry: what the declared tools look like, and how declarations are checked."""

from collections.abc import Mapping
from typing import Any, Literal

import pytest

from lettalite.tools import DEFAULT_TOOL_NAMES, TOOLS, ToolError, validate_arguments
from lettalite.tools.registry import build_tool_spec


def parameters(name: str) -> dict[str, Any]:
    return TOOLS[name].json_schema["parameters"]


def test_every_tool_is_registered_with_its_type() -> None:
    assert {name: spec.tool_type for name, spec in TOOLS.items()} == {
        "memory_replace": "letta_sleeptime_core",
        "memory_insert": "letta_sleeptime_core",
        "memory_rethink": "letta_sleeptime_core",
        "core_memory_append": "letta_memory_core",
        "core_memory_replace": "letta_memory_core",
        "memory": "letta_memory_core",
        "conversation_search": "letta_core",
        "archival_memory_insert": "letta_core",
        "archival_memory_search": "letta_core",
        "send_message": "letta_core",
        "web_search": "letta_builtin",
        "fetch_webpage": "letta_builtin",
        "run_code": "letta_builtin",
        "open_files": "letta_files_core",
        "grep_files": "letta_files_core",
        "semantic_search_files": "letta_files_core",
    }


def test_default_tools() -> None:
    assert {"conversation_search", "memory_replace", "memory_insert"} == DEFAULT_TOOL_NAMES


def test_contexts() -> None:
    contexts = {name: spec.context for name, spec in TOOLS.items()}
    assert contexts.pop("conversation_search") == "history"
    assert contexts.pop("archival_memory_insert") == "archive"
    assert contexts.pop("archival_memory_search") == "archive"
    assert contexts.pop("run_code") == "sandbox"
    for name in ("open_files", "grep_files", "semantic_search_files"):
        assert contexts.pop(name) == "files"
    assert [contexts.pop(name) for name in ("send_message", "web_search", "fetch_webpage")] == [
        "none"
    ] * 3
    assert set(contexts.values()) == {"blocks"}


def test_an_object_argument_is_checked_key_by_key() -> None:
    spec = TOOLS["open_files"]
    good = {"file_requests": [{"file_name": "f/a.txt", "offset": None, "length": 3}]}
    assert validate_arguments(spec, good) == good
    missing = validate_arguments(spec, {"file_requests": [{"offset": 1}]})
    assert missing == ToolError("Argument 'file_requests' item 0 is missing 'file_name'")
    wrong = validate_arguments(spec, {"file_requests": [{"file_name": "x", "length": "2"}]})
    assert wrong == ToolError(
        "Argument 'file_requests' item 0 key 'length' must be an integer, got string"
    )
    unknown = validate_arguments(spec, {"file_requests": [{"file_name": "x", "lines": 2}]})
    assert isinstance(unknown, ToolError) and "unknown keys 'lines'" in unknown.message
    assert validate_arguments(spec, {"file_requests": ["x"]}) == ToolError(
        "Argument 'file_requests' item 0 must be an object, got string"
    )


def test_a_sandboxed_tool_carries_its_own_source_without_decorators() -> None:
    source = TOOLS["run_code"].source_code
    assert source.startswith("from __future__ import annotations\n\ndef run_code(")
    assert "@" not in source.splitlines()[2]
    namespace: dict = {}
    exec(source, namespace)
    assert namespace["run_code"](code="print(6 * 7)", language="python") == "42\n"


def test_spec_fields_agree_with_the_schema() -> None:
    for name, spec in TOOLS.items():
        assert spec.name == name == spec.json_schema["name"]
        assert spec.description == spec.json_schema["description"]
        assert spec.description
        assert "Args:" not in spec.description
        assert spec.function.__name__ == name
        assert parameters(name)["type"] == "object"
        for schema in parameters(name)["properties"].values():
            assert schema["description"]


def test_memory_replace_schema() -> None:
    assert parameters("memory_replace")["required"] == ["label", "old_string", "new_string"]
    assert all(p["type"] == "string" for p in parameters("memory_replace")["properties"].values())


def test_memory_insert_schema() -> None:
    schema = parameters("memory_insert")
    assert schema["required"] == ["label", "new_string"]
    assert schema["properties"]["insert_line"]["type"] == "integer"


def test_conversation_search_schema() -> None:
    schema = parameters("conversation_search")
    assert schema["required"] == []
    assert schema["properties"]["roles"]["type"] == "array"
    assert schema["properties"]["roles"]["items"] == {
        "type": "string",
        "enum": ["assistant", "user", "tool"],
    }
    assert schema["properties"]["limit"]["type"] == "integer"


def test_memory_command_schema() -> None:
    schema = parameters("memory")
    assert schema["required"] == ["command"]
    assert schema["properties"]["command"]["enum"] == [
        "create",
        "str_replace",
        "insert",
        "delete",
        "rename",
    ]
    assert "blocks" not in schema["properties"]


def test_multi_line_argument_descriptions_are_joined() -> None:
    description = parameters("memory_insert")["properties"]["insert_line"]["description"]
    assert "\n" not in description
    assert description.endswith("Defaults to -1.")


# validate_arguments -------------------------------------------------------------------------


def test_valid_arguments_come_back_as_a_dict() -> None:
    arguments = {"label": "human", "old_string": "a", "new_string": "b"}
    assert validate_arguments(TOOLS["memory_replace"], arguments) == arguments


def test_missing_argument() -> None:
    result = validate_arguments(TOOLS["memory_replace"], {"old_string": "a", "new_string": "b"})
    assert result == ToolError("Missing required argument 'label' for memory_replace")


def test_several_missing_arguments() -> None:
    result = validate_arguments(TOOLS["memory_replace"], {"label": "human"})
    assert result == ToolError(
        "Missing required arguments 'old_string', 'new_string' for memory_replace"
    )


def test_unknown_argument() -> None:
    arguments = {"label": "human", "new_string": "x", "line": 3}
    result = validate_arguments(TOOLS["memory_insert"], arguments)
    assert result == ToolError(
        "Unknown argument 'line' for memory_insert. Accepted arguments: label, new_string, "
        "insert_line"
    )


@pytest.mark.parametrize(
    ("value", "got"), [("3", "string"), (True, "boolean"), (2.5, "number"), ([1], "array")]
)
def test_integer_argument_of_the_wrong_type(value: Any, got: str) -> None:
    arguments = {"label": "human", "new_string": "x", "insert_line": value}
    result = validate_arguments(TOOLS["memory_insert"], arguments)
    assert result == ToolError(f"Argument 'insert_line' must be an integer, got {got}")


def test_string_argument_of_the_wrong_type() -> None:
    arguments = {"label": 7, "old_string": "a", "new_string": "b"}
    result = validate_arguments(TOOLS["memory_replace"], arguments)
    assert result == ToolError("Argument 'label' must be a string, got integer")


def test_required_argument_cannot_be_null() -> None:
    arguments = {"label": None, "old_string": "a", "new_string": "b"}
    result = validate_arguments(TOOLS["memory_replace"], arguments)
    assert result == ToolError("Argument 'label' must be a string, got null")


def test_optional_argument_set_to_null_is_dropped() -> None:
    arguments = {"query": "tea", "roles": None, "limit": None}
    assert validate_arguments(TOOLS["conversation_search"], arguments) == {"query": "tea"}
    memory_arguments = {"label": "human", "new_string": "x", "insert_line": None}
    validated = validate_arguments(TOOLS["memory_insert"], memory_arguments)
    assert validated == {"label": "human", "new_string": "x"}


def test_enum_violation() -> None:
    result = validate_arguments(TOOLS["memory"], {"command": "view"})
    assert result == ToolError(
        "Argument 'command' must be one of 'create', 'str_replace', 'insert', 'delete', "
        "'rename', got 'view'"
    )


def test_array_of_enum_checks_each_item() -> None:
    spec = TOOLS["conversation_search"]
    assert validate_arguments(spec, {"roles": "user"}) == ToolError(
        "Argument 'roles' must be an array of strings, got string"
    )
    assert validate_arguments(spec, {"roles": ["user", "system"]}) == ToolError(
        "Argument 'roles' item 1 must be one of 'assistant', 'user', 'tool', got 'system'"
    )
    assert validate_arguments(spec, {"roles": ["user", 3]}) == ToolError(
        "Argument 'roles' item 1 must be a string, got integer"
    )


def test_arguments_must_be_an_object() -> None:
    result = validate_arguments(TOOLS["memory"], ["create"])  # type: ignore[arg-type]
    assert result == ToolError("Arguments for memory must be a JSON object, got array")


# Declarations are checked when a tool is defined ---------------------------------------------


def declare(function: Any) -> None:
    build_tool_spec(function, tool_type="letta_core", default=False, context="blocks")


def test_undocumented_parameter_fails_loudly() -> None:
    def tool(blocks: Mapping[str, Any], *, label: str, text: str) -> None:
        """Do a thing.

        Args:
            label: A label.
        """

    with pytest.raises(TypeError, match="'text': no description"):
        declare(tool)


def test_documenting_a_parameter_that_does_not_exist_fails() -> None:
    def tool(blocks: Mapping[str, Any], *, label: str) -> None:
        """Do a thing.

        Args:
            label: A label.
            lable: A typo.
        """

    with pytest.raises(TypeError, match="unknown parameters"):
        declare(tool)


def test_model_arguments_must_be_keyword_only() -> None:
    def tool(blocks: Mapping[str, Any], label: str) -> None:
        """Do a thing.

        Args:
            label: A label.
        """

    with pytest.raises(TypeError, match="keyword-only"):
        declare(tool)


def test_optional_argument_needs_a_default() -> None:
    def tool(blocks: Mapping[str, Any], *, label: str | None) -> None:
        """Do a thing.

        Args:
            label: A label.
        """

    with pytest.raises(TypeError, match="needs a default"):
        declare(tool)


def test_unsupported_annotation_fails() -> None:
    def tool(blocks: Mapping[str, Any], *, ratio: float) -> None:
        """Do a thing.

        Args:
            ratio: A ratio.
        """

    with pytest.raises(TypeError, match="Unsupported"):
        declare(tool)


def test_docstring_is_required() -> None:
    def tool(blocks: Mapping[str, Any]) -> None:
        pass

    with pytest.raises(TypeError, match="docstring"):
        declare(tool)


def test_declaration_builds_the_schema_from_annotations_and_docs() -> None:
    def tool(
        blocks: Mapping[str, Any],
        *,
        name: str,
        count: int = 1,
        flag: bool = False,
        tags: list[str] | None = None,
        mode: Literal["a", "b"] = "a",
    ) -> None:
        """Summary line.

        Body text.

        Args:
            blocks: The context; documenting it is allowed and it stays out of the schema.
            name (str): The name,
                continued on a second line.
            count: How many.
            flag: Whether to.
            tags: Some tags.
            mode: Which mode.

        Returns:
            Nothing.
        """

    spec = build_tool_spec(tool, tool_type="letta_core", default=True, context="blocks")
    assert spec.description == "Summary line.\n\nBody text."
    assert spec.attached_by_default is True
    assert spec.json_schema["parameters"] == {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "The name, continued on a second line."},
            "count": {"type": "integer", "description": "How many."},
            "flag": {"type": "boolean", "description": "Whether to."},
            "tags": {"type": "array", "items": {"type": "string"}, "description": "Some tags."},
            "mode": {"type": "string", "enum": ["a", "b"], "description": "Which mode."},
        },
        "required": ["name"],
    }
    assert "tool" not in TOOLS


def test_description_is_unwrapped_but_keeps_paragraphs_and_list_items() -> None:
    def tool(blocks: Mapping[str, Any]) -> None:
        """First sentence that is
        wrapped.

        Commands:
        - one: does a thing
          over two lines.
        - two: another.
        """

    spec = build_tool_spec(tool, tool_type="letta_core", default=False, context="blocks")
    assert spec.description == (
        "First sentence that is wrapped.\n\n"
        "Commands:\n- one: does a thing over two lines.\n- two: another."
    )
