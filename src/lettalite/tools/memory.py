"""Memory tools: pure functions from the agent's blocks and a model's arguments to block changes.

Each returns a `MemoryEdit` for the caller to persist, or a `ToolError` for the model to read.
"""

from typing import Literal, get_args

from lettalite.tools.blocks import (
    DEFAULT_BLOCK_LIMIT,
    CreateBlock,
    DetachBlock,
    MemoryEdit,
    RenameBlock,
    SetDescription,
    ToolError,
)
from lettalite.tools.edits import (
    Blocks,
    editable_block,
    insert_lines,
    limit_error,
    line_number_problem,
    new_label_problem,
    path_to_label,
    prepare_edit,
    replace_unique,
    required_argument,
    set_value,
)
from lettalite.tools.registry import memory_tool

MemoryCommand = Literal["create", "str_replace", "insert", "delete", "rename"]


@memory_tool(tool_type="letta_sleeptime_core", default=True)
def memory_replace(
    blocks: Blocks, *, label: str, old_string: str, new_string: str
) -> MemoryEdit | ToolError:
    """Replace one exact piece of text in a memory block with new text.

    old_string must appear exactly once in the block, matching it character for character,
    whitespace included. Copy it from the block's current content, but never include the
    line numbers ("1→") that are shown in front of each line for display only. To delete
    text, pass an empty new_string. Prefer small, targeted replacements over rewriting
    large parts of a block.

    Args:
        label: Label of the memory block to edit, for example "human" or "persona".
        old_string: The exact text to replace; it must occur exactly once in the block.
        new_string: The text to put in its place; may be empty to delete old_string.

    Returns:
        The block's full new content, or an error explaining why nothing changed.
    """
    return replace_unique(blocks, label, old_string, new_string)


@memory_tool(tool_type="letta_sleeptime_core", default=True)
def memory_insert(
    blocks: Blocks, *, label: str, new_string: str, insert_line: int = -1
) -> MemoryEdit | ToolError:
    """Insert text into a memory block after a given line, leaving existing lines unchanged.

    Lines are numbered from 1. The new text goes after line insert_line, so 0 puts it at the
    very beginning and -1 (the default) appends it at the end of the block.

    Args:
        label: Label of the memory block to edit, for example "human" or "persona".
        new_string: The text to insert; it may span several lines.
        insert_line: Number of the line after which to insert: 0 for the beginning of the
            block, -1 for its end. Defaults to -1.

    Returns:
        The block's full new content, or an error explaining why nothing changed.
    """
    return insert_lines(blocks, label, new_string, insert_line, text_argument="new_string")


@memory_tool(tool_type="letta_sleeptime_core")
def memory_rethink(blocks: Blocks, *, label: str, new_memory: str) -> MemoryEdit | ToolError:
    """Rewrite a memory block from scratch.

    Use this to reorganise, merge or condense a block as a whole; for small changes use
    memory_replace or memory_insert instead. Everything currently in the block is replaced,
    so include all the information that should be kept.

    Args:
        label: Label of the memory block to rewrite, for example "human" or "persona".
        new_memory: The complete new content of the block.

    Returns:
        The block's full new content, or an error explaining why nothing changed.
    """
    block = prepare_edit(blocks, label, {"new_memory": new_memory})
    if isinstance(block, ToolError):
        return block
    return set_value(block, new_memory)


@memory_tool(tool_type="letta_memory_core")
def core_memory_append(blocks: Blocks, *, label: str, content: str) -> MemoryEdit | ToolError:
    """Add text on a new line at the end of a memory block.

    Args:
        label: Label of the memory block to extend, for example "human" or "persona".
        content: The text to add at the end of the block.

    Returns:
        The block's full new content, or an error explaining why nothing changed.
    """
    block = prepare_edit(blocks, label, {"content": content})
    if isinstance(block, ToolError):
        return block
    return set_value(block, f"{block.value}\n{content}" if block.value else content)


@memory_tool(tool_type="letta_memory_core")
def core_memory_replace(
    blocks: Blocks, *, label: str, old_content: str, new_content: str
) -> MemoryEdit | ToolError:
    """Replace text in a memory block with new text, everywhere it occurs.

    old_content must match the block exactly, character for character. To delete text, pass
    an empty new_content.

    Args:
        label: Label of the memory block to edit, for example "human" or "persona".
        old_content: The exact text to replace; every occurrence is replaced.
        new_content: The replacement text; may be empty to delete old_content.

    Returns:
        The block's full new content, or an error explaining why nothing changed.
    """
    texts = {"old_content": old_content, "new_content": new_content}
    block = prepare_edit(blocks, label, texts)
    if isinstance(block, ToolError):
        return block
    if not old_content:
        return ToolError("No replacement was performed: old_content must not be empty.")
    if old_content not in block.value:
        return ToolError(f"Old content '{old_content}' not found in memory block '{label}'")
    return set_value(block, block.value.replace(old_content, new_content))


@memory_tool(tool_type="letta_memory_core")
def memory(
    blocks: Blocks,
    *,
    command: MemoryCommand,
    path: str | None = None,
    file_text: str | None = None,
    description: str | None = None,
    old_string: str | None = None,
    new_string: str | None = None,
    insert_line: int | None = None,
    insert_text: str | None = None,
    old_path: str | None = None,
    new_path: str | None = None,
) -> MemoryEdit | ToolError:
    """Manage your memory blocks as if they were files under /memories/.

    A block is addressed by a path such as /memories/project_notes, where the part after
    /memories/ is the block's label: 1 to 64 letters, digits, '_' or '-'.

    Commands:
    - create: add a new block at path, with a description and optional initial file_text.
    - str_replace: in the block at path, replace old_string, which must occur exactly once,
      with new_string.
    - insert: insert insert_text into the block at path after line insert_line (0 for the
      beginning, -1 or omitted for the end).
    - delete: remove the block at path from your memory.
    - rename: move the block at old_path to new_path, or, given path and description,
      replace that block's description.

    Never include the display line numbers ("1→") in any text you pass.

    Args:
        command: The operation to perform: create, str_replace, insert, delete or rename.
        path: Path of the block to act on, for example /memories/user_preferences. Used by
            create, str_replace, insert, delete, and by rename when changing a description.
        file_text: Initial content of the new block (create only; defaults to empty).
        description: What the block is for (required by create; with rename, the block's
            new description).
        old_string: The exact text to replace (str_replace only).
        new_string: The replacement text, may be empty (str_replace only).
        insert_line: Line after which to insert: 0 for the beginning, -1 for the end, which
            is the default (insert only).
        insert_text: The text to insert (insert only).
        old_path: Current path of the block to rename (rename only).
        new_path: New path for the block (rename only).

    Returns:
        A confirmation (the full new content after str_replace and insert), or an error.
    """
    if command == "create":
        return _create(blocks, path, description, file_text)
    if command == "str_replace":
        return _str_replace(blocks, path, old_string, new_string)
    if command == "insert":
        return _insert(blocks, path, insert_text, insert_line)
    if command == "delete":
        return _delete(blocks, path)
    if command == "rename":
        return _rename(blocks, path, description, old_path, new_path)
    supported = ", ".join(get_args(MemoryCommand))
    return ToolError(f"Error: Unknown command '{command}'. Supported commands: {supported}")


def _create(
    blocks: Blocks, path: str | None, description: str | None, file_text: str | None
) -> MemoryEdit | ToolError:
    if path is None:
        return required_argument("path", "create")
    if description is None:
        return required_argument("description", "create")
    label = path_to_label(path)
    value = file_text or ""
    problem = new_label_problem(blocks, label) or line_number_problem({"file_text": value})
    if problem:
        return problem
    if len(value) > DEFAULT_BLOCK_LIMIT:
        return limit_error(DEFAULT_BLOCK_LIMIT, value)
    return MemoryEdit(
        message=f"Successfully created memory block '{label}'.",
        changes=(CreateBlock(label, value, description),),
    )


def _str_replace(
    blocks: Blocks, path: str | None, old_string: str | None, new_string: str | None
) -> MemoryEdit | ToolError:
    if path is None:
        return required_argument("path", "str_replace")
    if old_string is None:
        return required_argument("old_string", "str_replace")
    if new_string is None:
        return required_argument("new_string", "str_replace")
    return replace_unique(blocks, path_to_label(path), old_string, new_string)


def _insert(
    blocks: Blocks, path: str | None, text: str | None, insert_line: int | None
) -> MemoryEdit | ToolError:
    if path is None:
        return required_argument("path", "insert")
    if text is None:
        return required_argument("insert_text", "insert")
    line = -1 if insert_line is None else insert_line
    return insert_lines(blocks, path_to_label(path), text, line, text_argument="insert_text")


def _delete(blocks: Blocks, path: str | None) -> MemoryEdit | ToolError:
    if path is None:
        return required_argument("path", "delete")
    block = editable_block(blocks, path_to_label(path))
    if isinstance(block, ToolError):
        return block
    return MemoryEdit(
        message=f"Successfully deleted memory block '{block.label}'.",
        changes=(DetachBlock(block.label),),
    )


def _rename(
    blocks: Blocks,
    path: str | None,
    description: str | None,
    old_path: str | None,
    new_path: str | None,
) -> MemoryEdit | ToolError:
    if old_path is not None and new_path is not None:
        return _relabel(blocks, path_to_label(old_path), path_to_label(new_path))
    if path is not None and description is not None:
        block = editable_block(blocks, path_to_label(path))
        if isinstance(block, ToolError):
            return block
        return MemoryEdit(
            message=f"Successfully updated the description of memory block '{block.label}'.",
            changes=(SetDescription(block.label, description),),
        )
    return ToolError(
        "Error: rename needs either old_path and new_path (to rename a block) or path and "
        "description (to change a block's description)"
    )


def _relabel(blocks: Blocks, old_label: str, new_label: str) -> MemoryEdit | ToolError:
    block = editable_block(blocks, old_label)
    if isinstance(block, ToolError):
        return block
    problem = new_label_problem(blocks, new_label)
    if problem:
        return problem
    return MemoryEdit(
        message=f"Successfully renamed memory block '{old_label}' to '{new_label}'.",
        changes=(RenameBlock(old_label, new_label),),
    )
