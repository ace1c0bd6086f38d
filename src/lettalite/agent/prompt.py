"""The system prompt: the agent's instructions followed by its compiled memory."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from lettalite.tools import BlockView, format_model_time

DEFAULT_SYSTEM_PROMPT = """\
<instructions>
You are a stateful assistant. Unlike a stateless chat model, you keep a memory that lasts \
across conversations, and you are expected to curate it.

Your core memory is a set of labelled blocks shown below. Each block has a description of \
what belongs in it, a character limit and a value. Keep the blocks accurate and concise: when \
you learn something that should outlast this conversation (the user's name, preferences, \
goals, facts about yourself), edit the right block with your memory tools straight away. \
Never put line numbers in memory edits.

Older messages may have left your context window; search them with conversation_search when \
the user refers to something you cannot see.

Work step by step. To take another action, call a tool; you will see its result and can \
continue. When you are ready to answer the user, reply with plain text and no tool call: \
that ends your turn.
</instructions>"""

DEFAULT_BLOCK_DESCRIPTIONS = {
    "persona": "Who you are: your personality, tone and the role you play. Keep it "
    "consistent, and refine it as you learn how best to help.",
    "human": "What you know about the person you are talking with: name, preferences, "
    "goals and other lasting facts. Update it whenever you learn something new.",
}
MEMORY_PLACEHOLDER = "{CORE_MEMORY}"
METADATA_TAG, METADATA_END = "<memory_metadata>", "</memory_metadata>"


def render_block(block: BlockView) -> str:
    metadata = []
    if block.read_only:
        metadata.append("- read_only=true")
    metadata.append(f"- chars_current={len(block.value)}")
    metadata.append(f"- chars_limit={block.limit}")
    return "\n".join(
        [
            f"<{block.label}>",
            "<description>",
            block.description or "",
            "</description>",
            "<metadata>",
            *metadata,
            "</metadata>",
            "<value>",
            block.value,
            "</value>",
            f"</{block.label}>",
        ]
    )


def render_memory_blocks(blocks: Iterable[BlockView]) -> str:
    rendered = [render_block(block) for block in blocks]
    if not rendered:
        return ""
    body = "\n\n".join(rendered)
    return (
        "<memory_blocks>\nThese blocks form your core memory; edit them with your memory tools:"
        f"\n\n{body}\n\n</memory_blocks>"
    )


# Closed files listed per folder in the prompt; the rest are counted.
MAX_CLOSED_LISTED = 50


@dataclass(frozen=True)
class FileBlock:
    name: str  # <folder>/<file>
    visible: str | None  # the open window's numbered lines; None: closed


@dataclass(frozen=True)
class DirectoryView:
    name: str
    description: str | None
    instructions: str | None
    files: Sequence[FileBlock]


def render_directories(directories: Sequence[DirectoryView], limits: tuple[int, int]) -> str:
    """The folders attached to the agent: open files with their visible lines, closed ones
    by name."""
    if not directories:
        return ""
    max_open, chars = limits
    parts = [
        "<directories>",
        "Files of the folders attached to you. Open files show their visible lines below; "
        "use open_files, grep_files and semantic_search_files to read and search the others.",
        f"<file_limits>max_files_open={max_open}, per_file_view_window_char_limit={chars}"
        "</file_limits>",
    ]
    for directory in directories:
        parts.append(f'<directory name="{directory.name}">')
        for tag, text in (
            ("description", directory.description),
            ("instructions", directory.instructions),
        ):
            if text:
                parts.append(f"<{tag}>{text}</{tag}>")
        closed = [f for f in directory.files if f.visible is None]
        for file in directory.files:
            if file.visible is not None:
                parts += [f'<file status="open" name="{file.name}">', file.visible, "</file>"]
        parts += [f'<file status="closed" name="{f.name}" />' for f in closed[:MAX_CLOSED_LISTED]]
        if len(closed) > MAX_CLOSED_LISTED:
            parts.append(f"<!-- and {len(closed) - MAX_CLOSED_LISTED} more closed files -->")
        parts.append("</directory>")
    parts.append("</directories>")
    return "\n".join(parts)


def render_memory_metadata(
    *, agent_id: str, compiled_at: datetime, recall_count: int, archival_count: int
) -> str:
    lines = [
        METADATA_TAG,
        f"- AGENT_ID: {agent_id}",
        f"- System prompt last recompiled: {format_model_time(compiled_at)}",
        f"- {recall_count} previous messages between you and the user are stored in recall "
        "memory (use conversation_search to find them)",
    ]
    # Only when there is something: most agents have no archival tools to look with.
    if archival_count:
        lines.append(f"- Passages stored in archival memory: {archival_count}")
    return "\n".join([*lines, METADATA_END])


def compile_system_prompt(
    system: str,
    blocks: Iterable[BlockView],
    *,
    agent_id: str,
    compiled_at: datetime,
    recall_count: int,
    archival_count: int,
    directories: str = "",
) -> str:
    """The agent's instructions with its memory put where `{CORE_MEMORY}` is, or appended;
    `directories` (rendered by render_directories) follows the memory blocks."""
    memory = "\n\n".join(part for part in (render_memory_blocks(blocks), directories) if part)
    metadata = render_memory_metadata(
        agent_id=agent_id,
        compiled_at=compiled_at,
        recall_count=recall_count,
        archival_count=archival_count,
    )
    section = f"{memory}\n\n{metadata}" if memory else metadata
    if MEMORY_PLACEHOLDER in system:
        return system.replace(MEMORY_PLACEHOLDER, section)
    return f"{system}\n\n{section}"
