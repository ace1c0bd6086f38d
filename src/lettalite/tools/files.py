"""open_files, grep_files and semantic_search_files: the agent's view of the files in the
folders attached to it.

The files themselves are the server's (a `FileSystem` scoped to one agent); these functions
check the model's arguments, and the pure parts (line windows, which open files to close,
grep with paging) are plain functions of text.
"""

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NotRequired, Protocol, TypedDict

from lettalite.tools.blocks import ToolError
from lettalite.tools.registry import files_tool

GREP_PAGE = 20
GREP_MAX_MATCHES = 1000
GREP_SECONDS = 30.0
MAX_PATTERN = 1000
MAX_CONTEXT_LINES = 20
DEFAULT_SEARCH_LIMIT = 5
MAX_SEARCH_LIMIT = 50
# (context window up to, max_files_open, per_file_view_window_char_limit), as Letta.
FILE_DEFAULTS = ((8_000, 3, 5_000), (32_000, 5, 15_000), (128_000, 10, 25_000))
FILE_DEFAULTS_200K = (200_000, 10, 40_000)
FILE_DEFAULTS_LARGER = (15, 40_000)


def file_defaults(context_window: int) -> tuple[int, int]:
    """Letta's max_files_open and per-file character window for a context window size."""
    for ceiling, files, chars in (*FILE_DEFAULTS, FILE_DEFAULTS_200K):
        if context_window <= ceiling:
            return files, chars
    return FILE_DEFAULTS_LARGER


class FileRequest(TypedDict):
    file_name: str
    offset: NotRequired[int | None]
    length: NotRequired[int | None]


@dataclass(frozen=True)
class LineWindow:
    """The part of a file shown to the model: numbered lines `start_line`..`end_line`
    (1-based, inclusive; 0..0 for an empty file)."""

    visible: str
    start_line: int
    end_line: int
    total_lines: int


def line_window(text: str, offset: int, length: int | None, char_limit: int) -> LineWindow:
    """Lines `offset` (0-based) onward, `length` of them at most, each prefixed with its
    number, as many as fit in `char_limit` characters (the first one cut if it alone does
    not)."""
    lines = text.splitlines()
    chosen = lines[offset : None if length is None else offset + length]
    shown: list[str] = []
    used = 0
    for number, line in enumerate(chosen, start=offset + 1):
        rendered = f"{number}: {line}"
        if used + len(rendered) + len(shown) > char_limit:
            if not shown:
                shown.append(rendered[:char_limit])
            break
        shown.append(rendered)
        used += len(rendered)
    if not shown:  # an empty file, or an offset past its end
        return LineWindow("", 0, 0, len(lines))
    return LineWindow("\n".join(shown), offset + 1, offset + len(shown), len(lines))


def lru_evictions(
    open_oldest_first: Sequence[str], opening: Sequence[str], limit: int
) -> list[str]:
    """Which open files to close so that, with `opening` opened (and most recent), at most
    `limit` are open: the least recently used ones."""
    opening_set = set(opening)
    kept = [name for name in open_oldest_first if name not in opening_set]
    excess = len(kept) + len(opening_set) - limit
    return kept[: max(0, excess)]


@dataclass(frozen=True)
class OpenedFile:
    name: str
    window: LineWindow


@dataclass(frozen=True)
class OpenResult:
    opened: list[OpenedFile]
    closed: list[str]  # evicted (least recently used) or closed by close_all_others


@dataclass(frozen=True)
class FileText:
    name: str
    text: str


@dataclass(frozen=True)
class FileHit:
    file_name: str
    text: str
    score: float


class FileSystem(Protocol):
    """The files of the folders attached to one agent. Failures are ToolErrors."""

    max_files_open: int

    async def open(
        self, requests: list[FileRequest], close_all_others: bool
    ) -> OpenResult | ToolError: ...

    async def texts(self, include: re.Pattern[str] | None) -> list[FileText]: ...

    async def search(self, query: str, limit: int) -> list[FileHit] | ToolError: ...


@files_tool(tool_type="letta_files_core")
async def open_files(
    files: FileSystem, *, file_requests: list[FileRequest], close_all_others: bool = False
) -> str | ToolError:
    """Open files of your attached folders so their text shows in your context, or show
    another part of a file already open. Files least recently used close when too many are
    open.

    Args:
        file_requests: The files to open: each {"file_name": "<folder>/<file>", "offset":
            first line to show (0-based, optional), "length": how many lines (optional)}.
        close_all_others: Close every other open file first.

    Returns:
        Which files (and lines) are now open, and which were closed.
    """
    if not file_requests:
        return ToolError("file_requests is empty: name at least one file to open.")
    if len(file_requests) > files.max_files_open:
        return ToolError(
            f"Cannot open {len(file_requests)} files at once: at most {files.max_files_open} "
            "files can be open."
        )
    for request in file_requests:
        offset, length = request.get("offset"), request.get("length")
        if offset is not None and offset < 0:
            return ToolError(f"offset must be 0 or more, got {offset}")
        if length is not None and length < 1:
            return ToolError(f"length must be at least 1, got {length}")
    result = await files.open(list(file_requests), close_all_others)
    if isinstance(result, ToolError):
        return result
    lines = []
    for opened in result.opened:
        window = opened.window
        lines.append(
            f"* Opened {opened.name} (lines {window.start_line}-{window.end_line} of "
            f"{window.total_lines})"
        )
    if result.closed:
        lines.append("Closed: " + ", ".join(result.closed))
    return "\n".join(lines)


@dataclass(frozen=True)
class GrepMatch:
    file_name: str
    line_number: int  # 1-based
    context: list[tuple[int, str, bool]]  # (line number, text, is the match)


def grep_texts(
    files: Sequence[FileText],
    pattern: re.Pattern[str],
    context_lines: int,
    *,
    max_matches: int = GREP_MAX_MATCHES,
    seconds: float = GREP_SECONDS,
) -> tuple[list[GrepMatch], bool]:
    """Every line matching `pattern` with its context, in file order; and whether the search
    stopped early (too many matches or out of time)."""
    deadline = time.monotonic() + seconds
    matches: list[GrepMatch] = []
    for file in files:
        lines = file.text.splitlines()
        for index, line in enumerate(lines):
            if len(matches) >= max_matches or time.monotonic() > deadline:
                return matches, True
            if pattern.search(line) is None:
                continue
            low, high = max(0, index - context_lines), min(len(lines), index + context_lines + 1)
            context = [(n + 1, lines[n], n == index) for n in range(low, high)]
            matches.append(GrepMatch(file.name, index + 1, context))
    return matches, False


def render_grep_page(matches: Sequence[GrepMatch], offset: int, stopped_early: bool) -> str:
    """One page of matches (GREP_PAGE from `offset`), grouped by file, with how to get more."""
    if not matches:
        return "No matches found."
    page = matches[offset : offset + GREP_PAGE]
    if not page:
        return f"No matches at offset {offset}: there are {len(matches)} matches."
    files = len({match.file_name for match in matches})
    more = "+" if stopped_early else ""
    lines = [
        f"Found {len(matches)}{more} matches in {files} files; showing "
        f"{offset + 1}-{offset + len(page)}:"
    ]
    current = None
    for match in page:
        if match.file_name != current:
            current = match.file_name
            lines.append(f"=== {current} ===")
        for number, text, is_match in match.context:
            lines.append(f"{'>' if is_match else ' '} {number}: {text}")
        lines.append("--")
    if offset + len(page) < len(matches):
        lines.append(f"More matches: call grep_files again with offset={offset + len(page)}.")
    return "\n".join(lines)


def _compiled(name: str, pattern: str) -> re.Pattern[str] | ToolError:
    if len(pattern) > MAX_PATTERN:
        return ToolError(f"{name} is {len(pattern)} characters long; at most {MAX_PATTERN}.")
    try:
        return re.compile(pattern)
    except re.error as error:
        return ToolError(f"{name} is not a valid regular expression: {error}")


@files_tool(tool_type="letta_files_core")
async def grep_files(
    files: FileSystem,
    *,
    pattern: str,
    include: str | None = None,
    context_lines: int = 1,
    offset: int = 0,
) -> str | ToolError:
    """Search the text of the files in your attached folders for lines matching a regular
    expression, with the lines around each match. Shows 20 matches at a time.

    Args:
        pattern: A Python regular expression, e.g. "invoice|receipt" or "def \\w+".
        include: Only files whose name (<folder>/<file>) matches this regular expression.
        context_lines: Lines of context to show before and after each match (0 to 20).
        offset: How many matches to skip, to see the next page of a previous search.

    Returns:
        The matching lines grouped by file, with line numbers.
    """
    compiled = _compiled("pattern", pattern)
    if isinstance(compiled, ToolError):
        return compiled
    name_filter = _compiled("include", include) if include else None
    if isinstance(name_filter, ToolError):
        return name_filter
    if not 0 <= context_lines <= MAX_CONTEXT_LINES:
        return ToolError(f"context_lines must be between 0 and {MAX_CONTEXT_LINES}.")
    if offset < 0:
        return ToolError(f"offset must be 0 or more, got {offset}")
    texts = await files.texts(name_filter)
    matches, stopped = await asyncio.to_thread(grep_texts, texts, compiled, context_lines)
    return render_grep_page(matches, offset, stopped)


@files_tool(tool_type="letta_files_core")
async def semantic_search_files(
    files: FileSystem, *, query: str, limit: int = DEFAULT_SEARCH_LIMIT
) -> str | ToolError:
    """Search the files in your attached folders for passages about a topic, by meaning when
    the folder has an embedding model, otherwise by words.

    Args:
        query: What to look for, in natural language.
        limit: How many passages to return, from 1 to 50.

    Returns:
        The best matching passages grouped by file, with their relevance scores.
    """
    if not query.strip():
        return ToolError("query is empty: say what to look for.")
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        return ToolError(f"limit must be between 1 and {MAX_SEARCH_LIMIT}, got {limit}")
    hits = await files.search(query, limit)
    if isinstance(hits, ToolError):
        return hits
    if not hits:
        return f"No passages found for {query!r}."
    by_file: dict[str, list[FileHit]] = {}
    for hit in hits:
        by_file.setdefault(hit.file_name, []).append(hit)
    lines = [f"Found {len(hits)} passages in {len(by_file)} files:"]
    for name, file_hits in by_file.items():
        lines.append(f"=== {name} ===")
        lines.extend(f"[score {hit.score:.3f}] {hit.text}" for hit in file_hits)
    return "\n".join(lines)
