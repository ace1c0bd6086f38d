"""`lettalite serve --workers 2`: both workers serve the one port, and what holds across
replicas holds across workers (each client here is pinned to the worker named in the test)."""

import os
import signal
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from letta_client import Letta

from tests.factories import (
    assert_edits_kept_in_turn_order,
    call_directive,
    create_seed_agent,
    wait_for,
)
from tests.servers import FakeLLM, LettaliteServer
from tests.workers.processes import PinnedClient, client_per_worker, worker_pids

WORKERS = ("--workers", "2")


@pytest.fixture(scope="module")
def workers_server(
    database_factory, fake_llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LettaliteServer]:
    """Two workers on a fresh database: both start at once on an empty tool table."""
    workdir = tmp_path_factory.mktemp("workers")
    server = LettaliteServer(
        database_factory(),
        fake_llm.base_url,
        workdir,
        # Only the reload on a miss can make another worker's new provider known in time.
        extra_env={"LETTALITE_PROVIDER_RELOAD_SECONDS": "3600"},
        serve_args=WORKERS,
    )
    server.start()
    yield server
    server.stop()


def sdk(pinned: PinnedClient) -> Letta:
    return Letta(
        base_url=pinned.server.url,
        http_client=pinned.http,
        _strict_response_validation=True,
        max_retries=0,
    )


def one_client_each(server: LettaliteServer) -> tuple[PinnedClient, PinnedClient]:
    first, second = (clients[0] for clients in client_per_worker(server).values())
    return first, second


def assert_served_only_by_its_worker(*clients: PinnedClient) -> None:
    for client in clients:
        assert set(client.served_by) == {client.pid}, (client.served_by, client.ports)


def is_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"  # exited; whoever adopted it has not reaped it yet


def test_both_workers_serve_and_one_answers_while_the_other_is_stuck(
    workers_server: LettaliteServer,
) -> None:
    pids = worker_pids(workers_server)
    assert len(pids) == 2 and workers_server.process.pid not in pids
    first, second = one_client_each(workers_server)
    assert {first.pid, second.pid} == pids
    # Started at once on a fresh database, neither failed adding the built-in tools.
    names = [tool.name for tool in sdk(first).tools.list(limit=1000)]
    assert len(names) == len(set(names)) and "memory_insert" in names
    assert "Traceback" not in workers_server.log.read_text()

    os.kill(first.pid, signal.SIGSTOP)  # stuck (as if busy): it accepts nothing
    try:
        fresh = [PinnedClient(workers_server, pids) for _ in range(4)]
        for client in fresh:
            assert client.http.get("/v1/agents/").status_code == 200
            client.http.close()
        assert {client.pid for client in fresh} == {second.pid}
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert first.http.get("/v1/health/").status_code == 200
    assert_served_only_by_its_worker(first)


def test_turns_from_clients_of_both_workers_keep_order_and_every_edit(
    workers_server: LettaliteServer,
) -> None:
    pinned = [c for clients in client_per_worker(workers_server, 5).values() for c in clients]
    agent = create_seed_agent(sdk(pinned[0]), memory_blocks=[{"label": "log", "value": "start"}])
    lines = {client.pid: [] for client in pinned}

    def send_two(index: int) -> None:
        client = sdk(pinned[index])
        for turn in range(2):
            line = f"client {index} turn {turn}"
            edit = call_directive("memory_insert", label="log", new_string=line)
            client.agents.messages.create(agent.id, input=edit)
            lines[pinned[index].pid].append(line)

    with ThreadPoolExecutor(len(pinned)) as threads:
        list(threads.map(send_two, range(len(pinned))))

    assert_served_only_by_its_worker(*pinned)
    assert all(len(sent) == 10 for sent in lines.values()) and len(lines) == 2
    everything = [line for sent in lines.values() for line in sent]
    assert_edits_kept_in_turn_order(sdk(pinned[0]), agent.id, everything)


def test_a_run_on_one_worker_is_cancelled_and_streamed_through_the_other(
    workers_server: LettaliteServer,
) -> None:
    running_on, other = one_client_each(workers_server)
    agent = create_seed_agent(sdk(running_on))
    run = sdk(running_on).agents.messages.create_async(agent.id, input="[[loop]] [[sleep 0.2]]")
    wait_for(lambda: len(list(sdk(running_on).runs.steps.list(run.id))) >= 2)

    assert sdk(other).agents.messages.cancel(agent.id) == {run.id: "cancelled"}
    chunks = list(sdk(other).runs.messages.stream(run.id, include_pings=False))
    assert chunks[-2].stop_reason == "cancelled"
    assert len([c for c in chunks if c.message_type == "tool_call_message"]) >= 2
    assert sdk(running_on).runs.retrieve(run.id).status == "cancelled"
    assert_served_only_by_its_worker(running_on, other)
    assert running_on.pid != other.pid


def test_a_live_stream_is_resumed_through_the_other_worker(
    workers_server: LettaliteServer,
) -> None:
    running_on, other = one_client_each(workers_server)
    agent = create_seed_agent(sdk(running_on), memory_blocks=[{"label": "log", "value": "start"}])
    edit = call_directive("memory_insert", label="log", new_string="streamed")
    live = iter(
        sdk(running_on).agents.messages.create(
            agent.id, input=f"[[sleep 0.5]] {edit}", streaming=True
        )
    )
    seen = [next(live)]
    while getattr(seen[-1], "run_id", None) is None:
        seen.append(next(live))
    run_id = seen[-1].run_id

    # While the run goes on in the first worker, the other one follows it from its start...
    replayed = list(sdk(other).runs.messages.stream(run_id, include_pings=False))
    seen.extend(live)
    # ...and from a point, as a client that lost its connection resumes it (on a connection of
    # its own: the SDK may drop one whose stream it stopped reading at `[DONE]`).
    resuming = client_per_worker(workers_server)[other.pid][0]
    resumed = list(sdk(resuming).runs.messages.stream(run_id, starting_after=2))

    def messages(chunks: list) -> list[tuple[str, str]]:
        return [(c.message_type, c.id) for c in chunks if c.message_type.endswith("_message")]

    assert messages(replayed) == messages(seen)
    assert [m for m, _ in messages(seen)] == ["tool_call_message", "tool_return_message"] + [
        "assistant_message"
    ]
    assert replayed[-2].stop_reason == seen[-2].stop_reason == "end_turn"
    assert [c.seq_id for c in resumed if getattr(c, "seq_id", None)][0] == 3
    assert_served_only_by_its_worker(running_on, other, resuming)


def test_a_provider_created_through_one_worker_serves_a_turn_through_the_other_at_once(
    workers_server: LettaliteServer, fake_llm: FakeLLM
) -> None:
    creating, using = one_client_each(workers_server)
    suffix = uuid.uuid4().hex[:8]
    name, key = f"team-openai-{suffix}", f"sk-team-{suffix}"
    created = creating.http.post(
        "/v1/providers/",
        json={
            "name": name,
            "provider_type": "openai",
            "api_key": key,
            "base_url": fake_llm.base_url,
        },
    )
    assert created.status_code == 200, created.text

    agent = create_seed_agent(
        sdk(using),
        model=f"{name}/gpt-4o-mini",
        embedding=f"{name}/text-embedding-3-small",
        tools=["archival_memory_insert"],
    )
    remember = call_directive("archival_memory_insert", content="the team key works")
    sdk(using).agents.messages.create(agent.id, input=remember)

    assert_served_only_by_its_worker(creating, using)
    assert creating.pid != using.pid
    with_team_key = [
        r["path"]
        for r in fake_llm.requests()
        if r["headers"].get("authorization") == f"Bearer {key}"
    ]
    assert with_team_key.count("/v1/chat/completions") == 2  # the tool call, then the reply
    assert "/v1/embeddings" in with_team_key


def test_workers_stop_when_their_supervisor_is_killed(
    database_factory, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    server = LettaliteServer(database_factory(), fake_llm.base_url, tmp_path, serve_args=WORKERS)
    server.start()
    pids = wait_for(lambda: len(worker_pids(server)) == 2 and worker_pids(server))
    server.stop(kill=True)  # SIGKILL: uvicorn cannot stop them itself
    wait_for(lambda: all(is_gone(pid) for pid in pids))
    with socket.socket() as sock:  # no orphan holds the port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", server.port))
