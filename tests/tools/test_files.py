"""The pure parts of the file tools and of document processing: chunking, line windows,
least-recently-used eviction, grep with paging, type detection, and the tools themselves over
a fake `FileSystem`."""

import asyncio
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lettalite.documents.chunk import chunk_text, split_text
from lettalite.documents.parse import (
    UnreadableDocument,
    UnsupportedType,
    document_kind,
    extract_text,
)
from lettalite.tools import ToolError
from lettalite.tools.files import (
    GREP_PAGE,
    FileHit,
    FileText,
    OpenResult,
    file_defaults,
    grep_files,
    grep_texts,
    line_window,
    lru_evictions,
    open_files,
    render_grep_page,
    semantic_search_files,
)

TEXT = st.text(alphabet=st.sampled_from("ab .\n"), max_size=400)


@given(TEXT, st.integers(1, 60))
def test_slices_join_back_and_fit(text: str, limit: int) -> None:
    slices = split_text(text, limit)
    assert "".join(slices) == text
    assert all(0 < len(piece) <= limit for piece in slices)


@given(TEXT, st.integers(2, 60))
def test_slices_are_at_least_half_full_except_the_last(text: str, limit: int) -> None:
    slices = split_text(text, limit)
    assert all(len(piece) >= limit // 2 for piece in slices[:-1])


def test_chunks_cut_at_paragraphs_first() -> None:
    text = "First paragraph here.\n\nSecond one, a bit longer.\n\nThird."
    assert chunk_text(text, 8) == ["First paragraph here.", "Second one, a bit longer.", "Third."]
    assert chunk_text("   \n\n  ", 8) == []


@given(
    st.lists(st.text(alphabet="xyz ", max_size=30), max_size=40),
    st.integers(0, 45),
    st.one_of(st.none(), st.integers(1, 45)),
    st.integers(1, 300),
)
def test_a_line_window_shows_numbered_lines_within_the_limit(
    lines: list[str], offset: int, length: int | None, limit: int
) -> None:
    text = "\n".join(lines)
    lines = text.splitlines()
    window = line_window(text, offset, length, limit)
    assert len(window.visible) <= limit
    shown = window.visible.split("\n") if window.start_line else []
    assert len(shown) == (window.end_line - window.start_line + 1 if shown else 0)
    assert window.total_lines == len(lines)
    for number, rendered in enumerate(shown, start=window.start_line):
        full = f"{number}: {lines[number - 1]}"
        assert full.startswith(rendered)
    if length is not None:
        assert len(shown) <= length


@given(
    st.lists(st.sampled_from("abcdefgh"), unique=True),
    st.lists(st.sampled_from("abcdefgh"), unique=True, min_size=1),
    st.integers(1, 8),
)
def test_lru_closes_the_oldest_to_stay_within_the_limit(
    open_files_: list[str], opening: list[str], limit: int
) -> None:
    if len(opening) > limit:
        return  # the callers never open more at once than fit
    closing = lru_evictions(open_files_, opening, limit)
    assert not set(closing) & set(opening)
    remaining = [name for name in open_files_ if name not in closing]
    assert len(set(remaining) | set(opening)) <= limit
    kept = [name for name in open_files_ if name not in opening]
    assert closing == kept[: len(closing)]  # the least recently used first
    assert len(closing) == max(0, len(kept) + len(opening) - limit)


def test_file_defaults_follow_the_context_window() -> None:
    assert [file_defaults(w) for w in (4_000, 32_000, 128_000, 200_000, 1_000_000)] == [
        (3, 5_000),
        (5, 15_000),
        (10, 25_000),
        (10, 40_000),
        (15, 40_000),
    ]


@given(st.integers(0, 120), st.integers(0, 3))
def test_grep_pages_cover_every_match_once(count: int, context: int) -> None:
    files = [FileText("f/a.txt", "\n".join(f"hit {i}" for i in range(count)))]
    matches, stopped = grep_texts(files, re.compile("hit"), context)
    assert len(matches) == count and not stopped
    seen = []
    offset = 0
    while offset < count:
        page = render_grep_page(matches, offset, stopped)
        seen += re.findall(r"^> (\d+):", page, re.M)
        offset += GREP_PAGE
    assert seen == [str(n) for n in range(1, count + 1)]


def test_grep_stops_at_the_match_limit() -> None:
    files = [FileText("f/a.txt", "x\n" * 50)]
    matches, stopped = grep_texts(files, re.compile("x"), 0, max_matches=10)
    assert len(matches) == 10 and stopped
    assert render_grep_page(matches, 0, stopped).startswith("Found 10+ matches in 1 files")


@pytest.mark.parametrize(
    ("name", "claimed", "mime", "reader"),
    [
        ("a.pdf", "application/octet-stream", "application/pdf", "pdf"),
        ("a.md", None, "text/markdown", "text"),
        ("a.py", "application/octet-stream", "text/x-python", "text"),
        ("a.rs", "application/octet-stream", "application/rls-services+xml", "text"),
        ("page.htm", None, "text/html", "html"),
        ("data", "application/json", "application/json", "text"),
    ],
)
def test_document_kinds(name: str, claimed: str | None, mime: str, reader: str) -> None:
    kind = document_kind(name, claimed)
    assert kind.reader == reader
    if name != "a.rs":  # whatever mimetypes guesses for Rust, it is read as text
        assert kind.mime == mime


def test_unsupported_and_unreadable() -> None:
    with pytest.raises(UnsupportedType, match="image/png"):
        document_kind("a.png", "image/png")
    with pytest.raises(UnreadableDocument, match="binary"):
        extract_text(b"a\x00b", document_kind("a.txt", None))
    with pytest.raises(UnreadableDocument, match="could not be read"):
        extract_text(b"not a pdf", document_kind("a.pdf", None))


class FakeFiles:
    max_files_open = 2

    def __init__(self) -> None:
        self.opened: list = []

    async def open(self, requests: list, close_all_others: bool) -> OpenResult:
        self.opened.append((requests, close_all_others))
        return OpenResult([], ["f/old.txt"])

    async def texts(self, include: re.Pattern[str] | None) -> list[FileText]:
        files = [FileText("f/a.txt", "alpha\nbeta"), FileText("g/b.md", "beta\ngamma")]
        return [f for f in files if include is None or include.search(f.name)]

    async def search(self, query: str, limit: int) -> list[FileHit]:
        return [FileHit("f/a.txt", "alpha", 0.9), FileHit("f/a.txt", "beta", 0.5)][:limit]


def run(coroutine):  # noqa: ANN001, ANN201
    return asyncio.run(coroutine)


def test_the_tools_check_their_arguments() -> None:
    files = FakeFiles()
    assert run(open_files(files, file_requests=[])) == ToolError(
        "file_requests is empty: name at least one file to open."
    )
    three = [{"file_name": f"f/{n}"} for n in "abc"]
    assert "at most 2 files" in run(open_files(files, file_requests=three)).message
    assert (
        "offset must be 0"
        in run(open_files(files, file_requests=[{"file_name": "f/a", "offset": -1}])).message
    )
    assert run(open_files(files, file_requests=[{"file_name": "f/a"}])) == "Closed: f/old.txt"
    assert "at most 1000" in run(grep_files(files, pattern="x" * 1001)).message
    assert "context_lines" in run(grep_files(files, pattern="a", context_lines=21)).message
    assert "limit must be" in run(semantic_search_files(files, query="q", limit=51)).message


def test_grep_and_search_render_per_file() -> None:
    files = FakeFiles()
    page = run(grep_files(files, pattern="beta", include=r"\.md$", context_lines=0))
    assert page == "Found 1 matches in 1 files; showing 1-1:\n=== g/b.md ===\n> 1: beta\n--"
    found = run(semantic_search_files(files, query="alpha"))
    assert found == (
        "Found 2 passages in 1 files:\n=== f/a.txt ===\n[score 0.900] alpha\n[score 0.500] beta"
    )
