"""The agent's other views: context window, runs and steps, archival, tools, settings, and
editing a block; and the agents list's search and delete."""

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.factories import call_directive
from tests.inspector.conftest import Screens, open_inspector
from tests.servers import LettaliteServer


@pytest.fixture
def agent(http: httpx.Client) -> dict[str, Any]:
    """An agent that has had one turn (a memory edit, so two steps) and holds one passage."""
    created = http.post(
        "/v1/agents/",
        json={
            "name": "viewed",
            "model": "openai/gpt-4o-mini",
            "tags": ["views"],
            "memory_blocks": [{"label": "human", "value": "Name: Kim", "limit": 2000}],
        },
    ).json()
    text = call_directive("memory_insert", label="human", new_string="Likes: chess")
    turn = http.post(
        f"/v1/agents/{created['id']}/messages",
        json={"messages": [{"role": "user", "content": text}]},
    )
    assert turn.status_code == 200
    http.post(f"/v1/agents/{created['id']}/archival-memory", json={"text": "Kim was born in Oslo"})
    return created


def open_tab(page: Page, server: LettaliteServer, agent: dict[str, Any], tab: str) -> None:
    open_inspector(page, server, f"#/agents/{agent['id']}/{tab}")


def test_context_window_shows_what_takes_the_tokens(
    page: Page, server: LettaliteServer, http: httpx.Client, agent: dict, screens: Screens
) -> None:
    context = http.get(f"/v1/agents/{agent['id']}/context").json()
    open_tab(page, server, agent, "context")
    parts = page.get_by_test_id("context-part")
    expect(parts).to_have_count(6)
    expected = {
        "System prompt": context["num_tokens_system"],
        "Memory blocks": context["num_tokens_core_memory"],
        "Tool definitions": context["num_tokens_functions_definitions"],
        "Messages": context["num_tokens_messages"],
        "Summary": context["num_tokens_summary_memory"],
    }
    for label, tokens in expected.items():
        expect(parts.filter(has_text=label)).to_contain_text(f"{tokens:,}")
    expect(page.get_by_test_id("context")).to_contain_text(
        f"{context['context_window_size_current']:,} of {context['context_window_size_max']:,}"
    )
    screens.check("context", '[data-testid="context"]', ".numbers")


def test_runs_open_to_their_steps_with_tokens(
    page: Page, server: LettaliteServer, http: httpx.Client, agent: dict, screens: Screens
) -> None:
    [run] = http.get("/v1/runs/", params={"agent_id": agent["id"]}).json()
    steps = http.get(f"/v1/runs/{run['id']}/steps").json()
    open_tab(page, server, agent, "runs")
    page.get_by_test_id("run").get_by_role("button").click()
    rows = page.get_by_test_id("steps").locator("tbody tr")
    expect(rows).to_have_count(len(steps))
    first = steps[0]
    expect(rows.first).to_contain_text(
        f"{first['prompt_tokens']:,} / {first['completion_tokens']:,}"
    )
    expect(page.get_by_test_id("run")).to_contain_text("completed")
    expect(page.get_by_test_id("run")).to_contain_text("first token")
    screens.check("runs", '[data-testid="runs"]', '[data-testid="steps"]')


def test_archival_passages_are_searched_and_inserted(
    page: Page, server: LettaliteServer, http: httpx.Client, agent: dict, screens: Screens
) -> None:
    open_tab(page, server, agent, "archival")
    expect(page.get_by_test_id("passage")).to_contain_text("Kim was born in Oslo")
    page.get_by_label("new passage").fill("Kim plays chess on Sundays")
    page.get_by_role("button", name="Insert").click()
    expect(page.get_by_test_id("passage")).to_have_count(2)
    texts = [p["text"] for p in http.get(f"/v1/agents/{agent['id']}/archival-memory").json()]
    assert "Kim plays chess on Sundays" in texts

    page.get_by_label("search passages").fill("Oslo")
    expect(page.get_by_test_id("passage")).to_have_count(1)
    page.get_by_label("by meaning").check()
    expect(page.get_by_test_id("passage").first).to_be_visible()
    screens.check("archival", '[data-testid="archival"]', '[data-testid="passage"]')
    page.get_by_label("search passages").fill("Tokyo")
    page.get_by_label("by meaning").uncheck()
    expect(page.get_by_test_id("archival")).to_contain_text("No passages match.")


def test_a_block_is_edited_in_the_page(
    page: Page, server: LettaliteServer, http: httpx.Client, agent: dict, screens: Screens
) -> None:
    open_tab(page, server, agent, "memory")
    block = page.locator('[data-testid="memory-block"][data-label="human"]')
    expect(block.get_by_test_id("block-value")).to_contain_text("Likes: chess")
    screens.check("memory", '[data-testid="memory"]', '[data-testid="block-value"]')
    block.get_by_role("button", name="Edit").click()
    block.get_by_label("human value").fill("Name: Kim Lee")
    block.get_by_label("human limit").fill("3000")
    block.get_by_role("button", name="Save").click()
    expect(block.get_by_test_id("block-value")).to_have_text("Name: Kim Lee")
    expect(block).to_contain_text("13 / 3,000 chars")
    saved = http.get(f"/v1/agents/{agent['id']}/core-memory/blocks/human").json()
    assert (saved["value"], saved["limit"]) == ("Name: Kim Lee", 3000)

    block.get_by_role("button", name="Edit").click()
    block.get_by_label("human value").fill("x" * 3001)
    block.get_by_role("button", name="Save").click()
    expect(block.get_by_role("alert")).to_contain_text("3000")


def test_system_prompt_and_model_are_changed(
    page: Page, server: LettaliteServer, http: httpx.Client, agent: dict, screens: Screens
) -> None:
    open_tab(page, server, agent, "settings")
    settings = page.get_by_test_id("settings")
    expect(settings.locator('select[name="model"] option')).not_to_have_count(0)
    settings.locator('select[name="model"]').select_option("openai/gpt-4o")
    settings.locator('textarea[name="system"]').fill("You are terse.")
    settings.get_by_role("button", name="Save").click()
    expect(settings.get_by_role("status")).to_have_text("Saved.")
    saved = http.get(f"/v1/agents/{agent['id']}").json()
    assert (saved["system"], saved["model"]) == ("You are terse.", "openai/gpt-4o")
    expect(page.get_by_test_id("agent-name").locator("..")).to_contain_text("openai/gpt-4o")
    screens.check("settings", '[data-testid="settings"]')


def test_tools_are_detached_and_attached(
    page: Page, server: LettaliteServer, http: httpx.Client, agent: dict, screens: Screens
) -> None:
    def attached() -> set[str]:
        return {tool["name"] for tool in http.get(f"/v1/agents/{agent['id']}/tools").json()}

    open_tab(page, server, agent, "tools")
    row = page.locator('[data-testid="tool"][data-name="conversation_search"]')
    screens.check("tools", '[data-testid="tools"]')
    row.get_by_role("button", name="Detach").click()
    expect(row.get_by_role("button", name="Attach")).to_be_visible()
    assert "conversation_search" not in attached()
    row.get_by_role("button", name="Attach").click()
    expect(row.get_by_role("button", name="Detach")).to_be_visible()
    assert "conversation_search" in attached()


def test_agents_are_searched_by_name_and_tag_and_deleted(
    page: Page, server: LettaliteServer, http: httpx.Client
) -> None:
    for name, tags in (("alpha_finder", ["team-a"]), ("beta_finder", ["team-b"])):
        http.post("/v1/agents/", json={"name": name, "model": "openai/gpt-4o-mini", "tags": tags})
    open_inspector(page, server)
    rows = page.locator(".agent-row")
    page.get_by_label("search agents").fill("_finder")
    expect(rows).to_have_count(2)
    page.get_by_label("filter by tags").fill("team-b")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("beta_finder")

    page.once("dialog", lambda dialog: dialog.accept())
    rows.get_by_role("button", name="Delete").click()
    expect(rows).to_have_count(0)
    names = {a["name"] for a in http.get("/v1/agents/", params={"limit": 1000}).json()}
    assert "beta_finder" not in names and "alpha_finder" in names
