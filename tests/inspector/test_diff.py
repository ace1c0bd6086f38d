"""The line diff the memory view shows for each edit (diff.js, run in the browser)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Page

from tests.inspector.conftest import open_inspector
from tests.servers import LettaliteServer

DIFF = """async ([before, after]) => {
    const { lineDiff } = await import("/inspector/diff.js");
    return lineDiff(before, after).map((line) => line.op + line.text);
}"""


@pytest.fixture
def diff_page(page: Page, server: LettaliteServer) -> Page:
    open_inspector(page, server)
    return page


def test_an_edit_shows_the_removed_line_before_the_added_one(diff_page: Page) -> None:
    before = "Name: unknown\nLikes: tea"
    after = "Name: Ada\nLikes: tea\nLives in: Oslo"
    assert diff_page.evaluate(DIFF, [before, after]) == [
        "-Name: unknown",
        "+Name: Ada",
        " Likes: tea",
        "+Lives in: Oslo",
    ]


def common_lines(a: list[str], b: list[str]) -> int:
    """The length of the longest common subsequence of two lists of lines."""
    row = [0] * (len(b) + 1)
    for x in a:
        previous = row[:]
        for j, y in enumerate(b):
            row[j + 1] = previous[j] + 1 if x == y else max(row[j], previous[j + 1])
    return row[-1]


lines = st.lists(st.sampled_from(["a", "b", "c", ""]), max_size=8).map("\n".join)


# One page serves every example: evaluating the pure function leaves nothing behind.
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=lines, after=lines)
def test_the_diff_rebuilds_both_texts_keeping_most_lines(
    diff_page: Page, before: str, after: str
) -> None:
    diff = diff_page.evaluate(DIFF, [before, after])
    assert "\n".join(line[1:] for line in diff if line[0] != "+") == before
    assert "\n".join(line[1:] for line in diff if line[0] != "-") == after
    kept = sum(1 for line in diff if line[0] == " ")
    assert kept == common_lines(before.split("\n"), after.split("\n"))
