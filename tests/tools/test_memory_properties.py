"""Properties of the memory tools over arbitrary text."""

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lettalite.tools import TOOLS, BlockView, MemoryEdit, ToolError, validate_arguments
from lettalite.tools.edits import occurrence_starts
from lettalite.tools.memory import (
    core_memory_append,
    core_memory_replace,
    memory,
    memory_insert,
    memory_replace,
    memory_rethink,
)

# No example database: the tests must not write files outside their own folder.
PROPERTY_SETTINGS = settings(database=None, max_examples=200, deadline=None)

# Plain text: no tabs (expandtabs would rewrite them) and no arrows (line-number prefixes).
plain_text = st.text(
    alphabet=st.characters(exclude_characters="\t→", exclude_categories=("Cs",)),
    max_size=60,
)
any_text = st.text(max_size=60)
labels = st.sampled_from(["human", "persona", "notes", "missing", ""])


def single_block(value: str, *, limit: int = 100_000) -> dict[str, BlockView]:
    return {"notes": BlockView("notes", value, limit=limit)}


@PROPERTY_SETTINGS
@given(before=plain_text, old=plain_text.filter(bool), after=plain_text, new=plain_text)
def test_replace_then_replace_back_restores_the_original(
    before: str, old: str, after: str, new: str
) -> None:
    original = before + old + after
    assume(len(occurrence_starts(original, old)) == 1)
    first = memory_replace(single_block(original), label="notes", old_string=old, new_string=new)
    assert isinstance(first, MemoryEdit)
    assume(new and len(occurrence_starts(first.message, new)) == 1)
    back = memory_replace(
        single_block(first.message), label="notes", old_string=new, new_string=old
    )
    assert isinstance(back, MemoryEdit)
    assert back.message == original


@PROPERTY_SETTINGS
@given(value=plain_text.filter(bool), new=plain_text)
def test_append_ends_with_the_new_text_and_adds_its_lines(value: str, new: str) -> None:
    result = memory_insert(single_block(value), label="notes", new_string=new)
    assert isinstance(result, MemoryEdit)
    assert result.message.endswith(new)
    assert len(result.message.split("\n")) == len(value.split("\n")) + len(new.split("\n"))


@PROPERTY_SETTINGS
@given(value=plain_text, new=plain_text, data=st.data())
def test_insert_leaves_every_other_line_unchanged(value: str, new: str, data: Any) -> None:
    lines = value.split("\n") if value else []
    position = data.draw(st.integers(min_value=0, max_value=len(lines)), label="insert_line")
    result = memory_insert(single_block(value), label="notes", new_string=new, insert_line=position)
    assert isinstance(result, MemoryEdit)
    new_lines = result.message.split("\n")
    inserted = len(new.split("\n"))
    assert new_lines[position : position + inserted] == new.split("\n")
    assert new_lines[:position] + new_lines[position + inserted :] == lines


def _all_tool_calls(label: str, first: str, second: str, number: int) -> list[Any]:
    path = f"/memories/{label}"
    return [
        lambda blocks: memory_replace(blocks, label=label, old_string=first, new_string=second),
        lambda blocks: memory_insert(blocks, label=label, new_string=first, insert_line=number),
        lambda blocks: memory_rethink(blocks, label=label, new_memory=first),
        lambda blocks: core_memory_append(blocks, label=label, content=first),
        lambda blocks: core_memory_replace(
            blocks, label=label, old_content=first, new_content=second
        ),
        lambda blocks: memory(blocks, command="create", path=first, description=second),
        lambda blocks: memory(
            blocks, command="str_replace", path=path, old_string=first, new_string=second
        ),
        lambda blocks: memory(
            blocks, command="insert", path=path, insert_text=first, insert_line=number
        ),
        lambda blocks: memory(blocks, command="delete", path=first),
        lambda blocks: memory(blocks, command="rename", old_path=path, new_path=second),
        lambda blocks: memory(blocks, command="rename", path=first, description=second),
        lambda blocks: memory(blocks, command=first),
    ]


@PROPERTY_SETTINGS
@given(
    values=st.lists(any_text, min_size=0, max_size=3),
    read_only=st.booleans(),
    limit=st.integers(min_value=0, max_value=200),
    label=labels,
    first=any_text,
    second=any_text,
    number=st.integers(min_value=-5, max_value=10),
)
def test_no_tool_ever_raises(
    values: list[str],
    read_only: bool,
    limit: int,
    label: str,
    first: str,
    second: str,
    number: int,
) -> None:
    names = ["human", "persona", "notes"]
    blocks = {
        name: BlockView(name, value, limit=limit, read_only=read_only)
        for name, value in zip(names, values, strict=False)
    }
    for call in _all_tool_calls(label, first, second, number):
        assert isinstance(call(blocks), MemoryEdit | ToolError)


json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    any_text,
    st.lists(any_text, max_size=3),
)
memory_tool_names = st.sampled_from(
    sorted(name for name, spec in TOOLS.items() if spec.context == "blocks")
)


@PROPERTY_SETTINGS
@given(name=memory_tool_names, data=st.data())
def test_validated_arguments_never_make_a_tool_raise(name: str, data: Any) -> None:
    spec = TOOLS[name]
    parameters = spec.json_schema["parameters"]
    required = {key: json_values for key in parameters["required"]}
    optional = {key: json_values for key in parameters["properties"] if key not in required}
    arguments = data.draw(st.fixed_dictionaries(required, optional=optional), label="arguments")
    validated = validate_arguments(spec, arguments)
    if isinstance(validated, ToolError):
        return
    blocks = {"human": BlockView("human", "Name: Bob", limit=50)}
    assert isinstance(spec.function(blocks, **validated), MemoryEdit | ToolError)
