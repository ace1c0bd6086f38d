"""With LETTALITE_API_KEY set, the page shows nothing until it is given the key."""

from collections.abc import Callable

import httpx
from playwright.sync_api import Page, Request, expect

from tests.inspector.conftest import Screens, open_inspector
from tests.servers import LettaliteServer

KEY = "inspector-secret"


def test_the_page_asks_for_the_key_and_says_when_it_is_wrong(
    page: Page, start_server: Callable[..., LettaliteServer], screens: Screens
) -> None:
    server = start_server(LETTALITE_API_KEY=KEY)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as http:
        http.post("/v1/agents/", json={"name": "secret_agent", "model": "openai/gpt-4o-mini"})
    api_calls: list[Request] = []
    page.on("request", lambda r: api_calls.append(r) if "/v1/" in r.url else None)

    open_inspector(page, server)
    form = page.get_by_test_id("key-form")
    expect(form).to_be_visible()
    screens.check("api-key", '[data-testid="key-form"]')
    expect(page.get_by_test_id("agent-list")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("secret_agent")

    form.get_by_placeholder("API key").fill("not-the-key")
    form.get_by_role("button", name="Open inspector").click()
    expect(page.get_by_role("alert")).to_have_text("That API key is wrong: the server refused it.")
    expect(page.get_by_test_id("agent-list")).to_have_count(0)
    assert page.evaluate("sessionStorage.length") == 0

    form.get_by_placeholder("API key").fill(KEY)
    form.get_by_role("button", name="Open inspector").click()
    expect(page.get_by_test_id("agent-list")).to_contain_text("secret_agent")
    assert page.evaluate("Object.values(sessionStorage)") == [KEY]

    # Kept for the tab's session: a reload does not ask again.
    page.reload()
    expect(page.get_by_test_id("agent-list")).to_contain_text("secret_agent")
    expect(page.get_by_test_id("key-form")).to_have_count(0)
    sent_keys = {call.headers.get("authorization") for call in api_calls}
    assert f"Bearer {KEY}" in sent_keys and "Bearer not-the-key" in sent_keys
    assert sent_keys <= {None, f"Bearer {KEY}", "Bearer not-the-key"}

    page.get_by_role("button", name="Forget key").click()
    expect(page.get_by_test_id("key-form")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_without_a_key_the_page_opens_straight_away(page: Page, server: LettaliteServer) -> None:
    open_inspector(page, server)
    expect(page.get_by_test_id("agent-list")).to_be_visible()
    expect(page.get_by_test_id("key-form")).to_have_count(0)
