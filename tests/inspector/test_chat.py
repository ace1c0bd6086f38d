"""Creating an agent in the page, chatting with it, and watching its memory change live."""

import re
import shutil
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.factories import call_directive, wait_for
from tests.inspector.conftest import README_SCREENSHOT_DIR, Screens, open_inspector
from tests.servers import LettaliteServer


def block_value(page: Page, label: str) -> Locator:
    return page.locator(
        f'[data-testid="memory-block"][data-label="{label}"] [data-testid="block-value"]'
    )


def send(page: Page, text: str) -> None:
    page.get_by_label("message", exact=True).fill(text)
    page.get_by_role("button", name="Send").click()


def create_agent_in_page(page: Page, name: str, human: str) -> str:
    form = page.get_by_test_id("create-agent")
    form.locator('input[name="name"]').fill(name)
    form.locator('input[name="tags"]').fill("inspector, demo")
    expect(form.locator('select[name="model"] option').first).to_be_attached()
    form.get_by_label("block value").first.fill(human)
    form.get_by_role("button", name="Create agent").click()
    expect(page.get_by_test_id("agent-name")).to_have_text(name)
    return page.url.split("#/agents/")[1].split("/")[0]


def test_create_chat_and_see_memory_change_without_reloading(
    page: Page, server: LettaliteServer, http: httpx.Client, screens: Screens
) -> None:
    # A name with nowhere to break (an imported agent's, say) must not widen the phone screen.
    http.post("/v1/agents/", json={"name": "x" * 120, "model": "openai/gpt-4o-mini"})
    open_inspector(page, server)
    screens.check("agents", '[data-testid="agent-list"]', '[data-testid="create-agent"]')
    agent_id = create_agent_in_page(page, "inspected", "Name: unknown")
    created = http.get(f"/v1/agents/{agent_id}").json()
    assert sorted(created["tags"]) == ["demo", "inspector"]
    expect(block_value(page, "human")).to_have_text("Name: unknown")

    page.evaluate("window.notReloaded = true")
    edit = call_directive("memory_replace", label="human", old_string="unknown", new_string="Ada")
    with page.expect_response(lambda r: r.request.method == "POST") as streamed:
        send(page, edit)
    assert streamed.value.headers["content-type"].startswith("text/event-stream")
    assert streamed.value.request.post_data_json["stream_tokens"] is True

    expect(block_value(page, "human")).to_have_text("Name: Ada")
    expect(page.get_by_test_id("block-diff").first).to_contain_text("+ Name: Ada")
    expect(page.get_by_test_id("block-diff").first).to_contain_text("- Name: unknown")
    expect(page.get_by_test_id("msg-tool-call").last).to_contain_text("memory_replace")
    expect(page.get_by_test_id("msg-tool-return").last).to_contain_text("Name: Ada")
    reply = page.get_by_test_id("msg-assistant").last
    expect(reply).to_contain_text("Done. Last tool result:")
    expect(page.get_by_test_id("turn-end").last).to_contain_text("tokens")
    assert page.evaluate("window.notReloaded") is True

    # The reply came in pieces of a few characters (the scripted model's token stream), and
    # the page glued them into one message.
    expect(page.get_by_test_id("msg-assistant")).to_have_count(1)
    assert (
        reply.inner_text()
        == http.get(f"/v1/agents/{agent_id}/messages", params={"limit": 1, "order": "desc"}).json()[
            0
        ]["content"]
    )
    human = http.get(f"/v1/agents/{agent_id}/core-memory/blocks/human").json()
    assert human["value"] == "Name: Ada"

    screens.check("chat", '[data-testid="chat"]', '[data-testid="memory"]')
    if README_SCREENSHOT_DIR:
        shutil.copy(
            screens.folder / "chat-laptop.png", Path(README_SCREENSHOT_DIR) / "inspector.png"
        )


def test_memory_changed_elsewhere_shows_up_by_itself(
    page: Page, server: LettaliteServer, http: httpx.Client
) -> None:
    agent = http.post(
        "/v1/agents/",
        json={
            "name": "watched",
            "model": "openai/gpt-4o-mini",
            "memory_blocks": [{"label": "persona", "value": "calm"}],
        },
    ).json()
    open_inspector(page, server, f"#/agents/{agent['id']}/memory")
    expect(block_value(page, "persona")).to_have_text("calm")
    http.patch(f"/v1/agents/{agent['id']}/core-memory/blocks/persona", json={"value": "cheerful"})
    expect(block_value(page, "persona")).to_have_text("cheerful", timeout=10_000)
    expect(page.get_by_test_id("block-diff")).to_contain_text("+ cheerful")


def approval_agent(http: httpx.Client) -> dict[str, Any]:
    agent = http.post(
        "/v1/agents/",
        json={
            "name": "careful",
            "model": "openai/gpt-4o-mini",
            "memory_blocks": [{"label": "human", "value": "Likes: tea"}],
        },
    ).json()
    return agent


def test_a_tool_call_waiting_for_approval_is_approved_in_the_page(
    page: Page, server: LettaliteServer, http: httpx.Client, screens: Screens
) -> None:
    agent = approval_agent(http)
    open_inspector(page, server, f"#/agents/{agent['id']}/tools")
    row = page.locator('[data-testid="tool"][data-name="memory_replace"]')
    with page.expect_response(lambda r: "/tools/approval/memory_replace" in r.url) as patched:
        row.get_by_label("needs approval").check()
    assert patched.value.ok
    expect(row.get_by_label("needs approval")).to_be_checked()
    rules = http.get(f"/v1/agents/{agent['id']}").json()["tool_rules"]
    assert {"type": "requires_approval", "tool_name": "memory_replace"}.items() <= next(
        rule for rule in rules if rule["type"] == "requires_approval"
    ).items()

    page.get_by_role("tab", name="Chat").click()
    send(
        page, call_directive("memory_replace", label="human", old_string="tea", new_string="coffee")
    )
    approval = page.get_by_test_id("approval")
    expect(approval).to_contain_text("memory_replace")
    expect(page.get_by_test_id("turn-end").first).to_contain_text("requires_approval")
    screens.check("approval", '[data-testid="approval"]', '[data-testid="memory"]')
    expect(block_value(page, "human")).to_have_text("Likes: tea")

    approval.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("approval-answer")).to_have_text("You approved the call.")
    expect(block_value(page, "human")).to_have_text("Likes: coffee")
    expect(page.get_by_test_id("approval")).to_have_count(0)
    expect(page.get_by_test_id("msg-tool-return").last).to_contain_text("coffee")


def test_a_denied_tool_call_does_not_run(
    page: Page, server: LettaliteServer, http: httpx.Client
) -> None:
    agent = approval_agent(http)
    http.patch(
        f"/v1/agents/{agent['id']}/tools/approval/memory_replace", json={"requires_approval": True}
    )
    open_inspector(page, server, f"#/agents/{agent['id']}/chat")
    send(page, call_directive("memory_replace", label="human", old_string="tea", new_string="milk"))
    approval = page.get_by_test_id("approval")
    approval.get_by_label("denial reason").fill("keep tea")
    approval.get_by_role("button", name="Deny").click()
    expect(page.get_by_test_id("approval-answer")).to_have_text("You denied the call: keep tea")
    # The scripted model repeats the tool result it got: the denial with its reason.
    expect(page.get_by_test_id("msg-assistant").last).to_contain_text(
        "denied. User reason: keep tea"
    )
    expect(page.get_by_test_id("approval")).to_have_count(0)
    expect(block_value(page, "human")).to_have_text("Likes: tea")
    human = http.get(f"/v1/agents/{agent['id']}/core-memory/blocks/human").json()
    assert human["value"] == "Likes: tea"


def test_a_new_conversation_is_chatted_in_apart_from_the_default_one(
    page: Page, server: LettaliteServer, http: httpx.Client
) -> None:
    agent = http.post("/v1/agents/", json={"name": "talkative", "model": "openai/gpt-4o-mini"})
    agent_id = agent.json()["id"]
    open_inspector(page, server, f"#/agents/{agent_id}/chat")
    page.get_by_role("button", name="+ New conversation").click()
    picker = page.get_by_label("conversation")
    expect(picker).to_have_value(re.compile(r"^conv-"))
    conversation_id = picker.input_value()

    send(page, "Hello from a side conversation")
    expect(page.get_by_test_id("msg-assistant").last).to_contain_text(
        "You said: Hello from a side conversation"
    )

    def saved_texts() -> list[str]:
        messages = http.get(f"/v1/conversations/{conversation_id}/messages").json()
        return [message.get("content") for message in messages]

    wait_for(lambda: "Hello from a side conversation" in saved_texts())

    picker.select_option("")
    expect(page.get_by_test_id("chat-log")).to_contain_text("No messages yet")
    picker.select_option(conversation_id)
    expect(page.get_by_test_id("msg-user")).to_have_text("Hello from a side conversation")
