"""Shared steps of the memory tools: the common checks, and the edits several tools make.

Every function here is pure and returns a `ToolError` instead of raising.
"""

import re
from collections.abc import Mapping

from lettalite.tools.blocks import (
    LABEL_PATTERN,
    LINE_NUMBER_WARNING,
    BlockView,
    MemoryEdit,
    SetValue,
    ToolError,
)

Blocks = Mapping[str, BlockView]

READ_ONLY_ERROR = "Error This block is read-only and cannot be edited."
_LINE_NUMBER_PREFIX = re.compile(r"^[ \t]*\d+→[ \t]*", re.MULTILINE)
_VALID_LABEL = re.compile(LABEL_PATTERN)
_MEMORY_ROOT = "/memories/"


def replace_unique(
    blocks: Blocks, label: str, old_string: str, new_string: str
) -> MemoryEdit | ToolError:
    """Replace the single occurrence of old_string in a block (tabs expanded to spaces)."""
    block = prepare_edit(blocks, label, {"old_string": old_string, "new_string": new_string})
    if isinstance(block, ToolError):
        return block
    if not old_string:
        return ToolError("No replacement was performed: old_string must not be empty.")
    value, old, new = block.value.expandtabs(), old_string.expandtabs(), new_string.expandtabs()
    starts = occurrence_starts(value, old)
    if not starts:
        return ToolError(
            f"No replacement was performed, old_string `{old_string}` did not appear verbatim "
            f"in memory block with label `{label}`."
        )
    if len(starts) > 1:
        lines = [value.count("\n", 0, start) + 1 for start in starts]
        return ToolError(
            f"No replacement was performed. Multiple occurrences of old_string `{old_string}` "
            f"in lines {lines}. Please ensure it is unique."
        )
    start = starts[0]
    return set_value(block, value[:start] + new + value[start + len(old) :])


def occurrence_starts(text: str, fragment: str) -> list[int]:
    """Start offsets of every occurrence of fragment, overlapping ones included.

    Overlaps count because "aa" in "aaa" is ambiguous even though str.count finds it once.
    """
    starts: list[int] = []
    start = text.find(fragment)
    while start != -1:
        starts.append(start)
        start = text.find(fragment, start + 1)
    return starts


def insert_lines(
    blocks: Blocks, label: str, text: str, insert_line: int, *, text_argument: str
) -> MemoryEdit | ToolError:
    """Insert text after line insert_line (0 = before everything, -1 = after everything).

    text_argument is the name the calling tool gives the text, so errors use the model's words.
    """
    block = prepare_edit(blocks, label, {text_argument: text})
    if isinstance(block, ToolError):
        return block
    # An empty block has no lines at all (not one empty line), so inserting into it yields
    # exactly the new text instead of a stray leading newline.
    lines = block.value.split("\n") if block.value else []
    position = len(lines) if insert_line == -1 else insert_line
    if not 0 <= position <= len(lines):
        return ToolError(
            f"Invalid `insert_line` parameter: {insert_line}. It should be within the range of "
            f"lines of the memory block: [0, {len(lines)}], or -1 to append to the end of the "
            "memory block."
        )
    return set_value(block, "\n".join(lines[:position] + text.split("\n") + lines[position:]))


def prepare_edit(blocks: Blocks, label: str, texts: Mapping[str, str]) -> BlockView | ToolError:
    """Run the checks shared by every edit of an existing block, in their documented order."""
    block = editable_block(blocks, label)
    if isinstance(block, ToolError):
        return block
    return line_number_problem(texts) or block


def editable_block(blocks: Blocks, label: str) -> BlockView | ToolError:
    """Look up a block the model wants to change; it must exist and be writable."""
    block = blocks.get(label)
    if block is None:
        if not blocks:
            return ToolError(f"Memory block '{label}' does not exist. There are no memory blocks.")
        available = ", ".join(blocks)
        return ToolError(f"Memory block '{label}' does not exist. Available blocks: {available}")
    if block.read_only:
        return ToolError(READ_ONLY_ERROR)
    return block


def line_number_problem(texts: Mapping[str, str]) -> ToolError | None:
    """Reject text copied from the line-numbered display of a block."""
    for argument, text in texts.items():
        if _LINE_NUMBER_PREFIX.search(text):
            return ToolError(
                f"{argument} contains a line number prefix, which is not allowed. Do not "
                "include line numbers when calling memory tools (line numbers are for display "
                "purposes only)."
            )
        if LINE_NUMBER_WARNING in text:
            return ToolError(
                f"{argument} contains a line number warning, which is not allowed. Do not "
                "include line number information when calling memory tools (line numbers are "
                "for display purposes only)."
            )
    return None


def set_value(block: BlockView, new_value: str) -> MemoryEdit | ToolError:
    """Replace a block's value, within its limit; the model is shown the whole new value."""
    if len(new_value) > block.limit:
        return limit_error(block.limit, new_value)
    return MemoryEdit(message=new_value, changes=(SetValue(block.label, new_value),))


def limit_error(limit: int, value: str) -> ToolError:
    return ToolError(f"Edit failed: Exceeds {limit} character limit (requested {len(value)})")


def path_to_label(path: str) -> str:
    """Map a file-style path such as '/memories/notes' to the block label 'notes'."""
    return path.removeprefix(_MEMORY_ROOT).lstrip("/")


def new_label_problem(blocks: Blocks, label: str) -> ToolError | None:
    """Check a label for a block about to be created or renamed."""
    if not _VALID_LABEL.fullmatch(label):
        return ToolError(
            f"Error: invalid memory block label '{label}'. A label must be 1 to 64 characters, "
            "each a letter, a digit, '_' or '-'."
        )
    if label in blocks:
        return ToolError(f"Error: memory block '{label}' already exists.")
    return None


def required_argument(argument: str, command: str) -> ToolError:
    return ToolError(f"Error: {argument} is required for {command} command")
