"""A real headless Chromium (Debian's `chromium`, driven by Playwright) for the inspector tests.

`.ci/run` installs the package; Playwright's own browser downloads are never used.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.servers import LettaliteServer

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# Set to a folder to also save the README's screenshot there (docs/ in the repository).
README_SCREENSHOT_DIR = os.environ.get("LETTALITE_README_SCREENSHOT_DIR")
# A turn on a loaded two-core machine (servers, model and browser share it) can take seconds.
expect.set_options(timeout=20_000)


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError("The inspector tests need Debian's chromium: apt-get install chromium")
    return found


# Per module, not per session: while Playwright's sync API is open its event loop runs on this
# thread, and any other test on the same worker that calls asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path())
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=LAPTOP)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"the page raised: {errors}"


def open_inspector(page: Page, server: LettaliteServer, route: str = "") -> None:
    page.goto(f"{server.url}/{route}")


class Screens:
    """Screenshots of each screen at a laptop and a phone size, checked for cut-off or empty
    parts: no horizontal overflow, and every named element visible, non-empty and inside the
    viewport's width."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder

    def check(self, name: str, *selectors: str) -> None:
        for size_name, size in (("laptop", LAPTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)
            for selector in selectors:
                self.page.locator(selector).first.wait_for(state="visible")
            self.page.screenshot(path=self.folder / f"{name}-{size_name}.png", full_page=True)
            assert_fits(self.page, f"{name} ({size_name})", selectors)
        self.page.set_viewport_size(LAPTOP)


def assert_fits(page: Page, screen: str, selectors: tuple[str, ...]) -> None:
    report = page.evaluate(
        """(selectors) => ({
            scrollWidth: document.scrollingElement.scrollWidth,
            innerWidth: innerWidth,
            elements: selectors.map((selector) => {
                const element = document.querySelector(selector);
                if (!element) return { selector, missing: true };
                const box = element.getBoundingClientRect();
                // Parts pushed past the right edge, even where a container scrolls or clips.
                const cut = [...element.querySelectorAll("*")].filter((part) => {
                    const rect = part.getBoundingClientRect();
                    return rect.width > 0 && rect.right > innerWidth + 0.5;
                }).map((part) => part.outerHTML.slice(0, 80));
                return { selector, left: box.left, right: box.right, width: box.width,
                         height: box.height, text: element.innerText.trim().length, cut };
            }),
        })""",
        list(selectors),
    )
    assert report["scrollWidth"] <= report["innerWidth"], f"{screen} overflows sideways: {report}"
    for element in report["elements"]:
        assert not element.get("missing"), f"{screen}: {element['selector']} is missing"
        assert element["width"] > 0 and element["height"] > 0, f"{screen}: empty {element}"
        assert element["text"] > 0, f"{screen}: {element['selector']} shows no text"
        assert element["left"] >= 0, f"{screen}: {element} is cut off on the left"
        assert element["right"] <= report["innerWidth"] + 0.5, f"{screen}: {element} is cut off"
        assert not element["cut"], f"{screen}: parts of {element['selector']} are cut off"


@pytest.fixture
def screens(page: Page, tmp_path: Path) -> Screens:
    return Screens(page, tmp_path)
