"""Folders attached to agents through the Python SDK: the file tools come and go with them,
open files show in the prompt (LRU-capped by max_files_open), open / close / close-all, and
an agent turn that greps and semantically searches the files to find a fact."""

import pytest
from letta_client import Letta

from tests.factories import call_directive as call
from tests.factories import create_seed_agent
from tests.folders.helpers import EMBEDDING, new_folder, upload, wait_processed
from tests.servers import FakeLLM

FILE_TOOLS = {"open_files", "grep_files", "semantic_search_files"}


def tool_names(client: Letta, agent_id: str) -> set[str]:
    return {tool.name for tool in client.agents.retrieve(agent_id).tools}


def folder_with_files(client: Letta, texts: dict[str, str], embedding: str | None = None):
    folder = new_folder(client, embedding)
    files = {}
    for name, text in texts.items():
        files[name] = upload(client, folder.id, name, text.encode())
        assert wait_processed(client, folder.id, files[name].id).processing_status == "completed"
    return folder, files


def system_prompt(client: Letta, fake_llm: FakeLLM, agent_id: str) -> str:
    fake_llm.clear()
    client.agents.messages.create(agent_id=agent_id, input="hello")
    return fake_llm.chat_requests()[0]["messages"][0]["content"]


def test_attach_gives_file_tools_and_detaching_the_last_folder_removes_them(
    client: Letta,
) -> None:
    agent = create_seed_agent(client)
    first, _ = folder_with_files(client, {"a.txt": "alpha"})
    second, _ = folder_with_files(client, {"b.txt": "beta"})
    assert not FILE_TOOLS & tool_names(client, agent.id)
    state = client.agents.folders.attach(first.id, agent_id=agent.id)
    assert {tool.name for tool in state.tools} >= FILE_TOOLS
    client.agents.folders.attach(second.id, agent_id=agent.id)
    listed = client.agents.folders.list(agent.id)
    assert sorted(f.id for f in listed) == sorted([first.id, second.id])

    client.agents.folders.detach(first.id, agent_id=agent.id)
    assert tool_names(client, agent.id) >= FILE_TOOLS
    client.agents.folders.detach(second.id, agent_id=agent.id)
    assert not FILE_TOOLS & tool_names(client, agent.id)
    assert list(client.agents.folders.list(agent.id)) == []


def test_open_files_show_in_the_prompt_within_the_limits(client: Letta, fake_llm: FakeLLM) -> None:
    # A 4k context window: 3 files open at most, 5,000 characters of each.
    agent = create_seed_agent(client, context_window_limit=4000)
    long_text = "\n".join(f"line {i} of the long file" for i in range(1000))
    texts = {f"n{i}.txt": f"note number {i}" for i in range(4)} | {"long.txt": long_text}
    folder, files = folder_with_files(client, texts)
    client.agents.folders.attach(folder.id, agent_id=agent.id)

    page = client.agents.files.list(agent.id, limit=100)
    assert len(page.files) == 5
    opened = [f for f in page.files if f.is_open]
    assert len(opened) == 3  # the three newest: n3, long (uploaded last) and n2
    assert {f.file_name for f in opened} == {
        f"{folder.name}/{n}" for n in ("n2.txt", "n3.txt", "long.txt")
    }
    long_view = next(f for f in opened if f.file_name.endswith("long.txt"))
    assert len(long_view.visible_content) <= 5000 and long_view.start_line == 1
    assert long_view.visible_content.startswith("1: line 0 of the long file")

    prompt = system_prompt(client, fake_llm, agent.id)
    assert f'<file status="open" name="{folder.name}/n3.txt">' in prompt
    assert "1: note number 3" in prompt
    assert f'<file status="closed" name="{folder.name}/n0.txt" />' in prompt
    assert "note number 0" not in prompt

    closed = client.agents.files.open(files["n0.txt"].id, agent_id=agent.id)
    assert closed == [f"{folder.name}/n2.txt"]  # the least recently opened
    assert client.agents.files.close(files["n0.txt"].id, agent_id=agent.id) is None
    still_open = client.agents.files.list(agent.id, is_open=True).files
    assert {f.file_name.rsplit("/", 1)[1] for f in still_open} == {"n3.txt", "long.txt"}
    assert sorted(client.agents.files.close_all(agent.id)) == sorted(
        f.file_name for f in still_open
    )
    assert client.agents.files.list(agent.id, is_open=True).files == []
    assert "1: note number 3" not in system_prompt(client, fake_llm, agent.id)


def test_agent_files_page_with_next_cursor(client: Letta) -> None:
    agent = create_seed_agent(client)
    folder, _ = folder_with_files(client, {f"p{i}.txt": f"page {i}" for i in range(5)})
    client.agents.folders.attach(folder.id, agent_id=agent.id)
    first = client.agents.files.list(agent.id, limit=2)
    assert len(first.files) == 2 and first.has_more and first.next_cursor == first.files[-1].id
    everything = [f.file_id for f in client.agents.files.list(agent.id, limit=2)]
    assert len(everything) == len(set(everything)) == 5


def test_a_file_uploaded_to_an_attached_folder_opens_when_processed(client: Letta) -> None:
    agent = create_seed_agent(client)
    folder = new_folder(client, None)
    client.agents.folders.attach(folder.id, agent_id=agent.id)
    file = upload(client, folder.id, "late.txt", b"arrived later")
    wait_processed(client, folder.id, file.id)
    [view] = client.agents.files.list(agent.id).files
    assert (view.file_id, view.is_open, view.visible_content) == (file.id, True, "1: arrived later")


def test_deleting_a_folder_closes_its_files_and_takes_the_tools(client: Letta) -> None:
    agent = create_seed_agent(client)
    folder, _ = folder_with_files(client, {"x.txt": "x"})
    client.agents.folders.attach(folder.id, agent_id=agent.id)
    client.folders.delete(folder.id)
    assert client.agents.files.list(agent.id).files == []
    assert not FILE_TOOLS & tool_names(client, agent.id)


def tool_returns(client: Letta, agent_id: str, text: str) -> list:
    response = client.agents.messages.create(agent_id=agent_id, input=text)
    return [m for m in response.messages if m.message_type == "tool_return_message"]


@pytest.mark.parametrize("embedding", [None, EMBEDDING], ids=["full-text", "embedding"])
def test_a_turn_greps_and_searches_the_files(client: Letta, embedding: str | None) -> None:
    agent = create_seed_agent(client)
    folder, _ = folder_with_files(
        client,
        {
            "handbook.md": "# Handbook\n\nLunch is at noon.\nThe vault code is 7319.\nBe kind.",
            "menu.txt": "Soup on Monday\nFish on Friday",
        },
        embedding,
    )
    client.agents.folders.attach(folder.id, agent_id=agent.id)

    [grep] = tool_returns(client, agent.id, call("grep_files", pattern=r"vault code is \d+"))
    assert grep.status == "success"
    result = grep.tool_return
    assert f"=== {folder.name}/handbook.md ===" in result
    assert "> 4: The vault code is 7319." in result and "  3: Lunch is at noon." in result

    [search] = tool_returns(client, agent.id, call("semantic_search_files", query="vault code"))
    assert search.status == "success"
    found = search.tool_return
    assert "The vault code is 7319." in found and f"=== {folder.name}/handbook.md ===" in found

    [opened] = tool_returns(
        client,
        agent.id,
        call("open_files", file_requests=[{"file_name": f"{folder.name}/menu.txt", "offset": 1}]),
    )
    assert opened.tool_return.startswith(f"* Opened {folder.name}/menu.txt (lines 2-2 of 2)")
    [view] = [
        f for f in client.agents.files.list(agent.id).files if f.file_name.endswith("menu.txt")
    ]
    assert view.visible_content == "2: Fish on Friday"

    [bad] = tool_returns(client, agent.id, call("grep_files", pattern="("))
    assert bad.status == "error" and "not a valid regular expression" in bad.tool_return
    [unknown] = tool_returns(
        client, agent.id, call("open_files", file_requests=[{"file_name": "nope/none.txt"}])
    )
    assert unknown.status == "error" and "not in your attached folders" in unknown.tool_return
