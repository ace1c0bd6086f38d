"""What a turn costs the server, by request type and by history length.

For each: the SQL statements the server counted (Server-Timing), the server's CPU time per
request (user + system time of the server's processes over sequential requests, from /proc),
the wall time, and the server's own share of it: wall minus the model's own time, as the
scripted model reports it (`openai-processing-ms`, logged per request). Then RSS after many
turns. The scripted model answers at once, so what is left is lettalite.

SQLite on a fresh file by default; PostgreSQL when LETTALITE_DATABASE_URL names one.
Usage: `python -m bench.turn_cost [--turns 50] [--history 0,1000,10000] [--rss-turns 1000]`
The instructions of the same request types, counted under valgrind: `python -m bench.instructions`.
"""

import argparse
import itertools
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.run_all import rss_mib, sql_statements, summary
from tests.servers import FakeLLM, LettaliteServer

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# A memory edit that leaves the block as it found it every second time, so the block never
# outgrows its limit and no other request is timed with the turn.
NAMES = ("Name: Bench", "Name: Ada")
EDIT = '[[call memory_replace {{"label": "human", "old_string": "{}", "new_string": "{}"}}]]'
BATCH = 100  # the API's most messages in one request


def process_tree(root: int) -> list[int]:
    """`root` and its descendants (uvicorn's workers, when there are several)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending += children.get(pid, [])
    return tree


def cpu_seconds(root: int) -> float:
    total = 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def model_ms(llm: FakeLLM) -> float:
    """The scripted model's own time over the requests it logged (`openai-processing-ms`)."""
    return sum(request.get("processing_ms", 0.0) for request in llm.requests())


def measure(
    label: str,
    server: LettaliteServer,
    llm: FakeLLM,
    send: Callable[[], httpx.Response],
    repeats: int,
) -> None:
    walls, own, statements = [], [], set()
    cpu_before = cpu_seconds(server.process.pid)
    for _ in range(repeats):
        llm.clear()
        started = time.perf_counter()
        response = send()
        wall = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        walls.append(wall)
        own.append(wall - model_ms(llm))
        if "sql;" in response.headers.get("server-timing", ""):
            statements.add(sql_statements(response))
    cpu = (cpu_seconds(server.process.pid) - cpu_before) / repeats * 1000
    shares = f"; server overhead (wall minus the model's own time) {summary(own)}"
    counted = f"{min(statements)}-{max(statements)}" if statements else "see bench.sql_log"
    print(
        f"{label}: server CPU {cpu:.1f} ms per request; SQL statements {counted}; "
        f"wall {summary(walls)}{shares}"
    )


def new_agent(http: httpx.Client) -> str:
    body = {
        "model": "openai/gpt-4o-mini",
        "memory_blocks": [
            {"label": "persona", "value": "I am a helpful assistant."},
            {"label": "human", "value": "Name: Bench"},
        ],
    }
    return http.post("/v1/agents/", json=body).json()["id"]


def grow_history(http: httpx.Client, agent_id: str, messages: int) -> None:
    """Store `messages` short user messages in the agent's context, BATCH per turn."""
    for start in range(0, messages, BATCH):
        batch = [{"role": "user", "content": f"m{i}"} for i in range(start, start + BATCH)]
        http.post(f"/v1/agents/{agent_id}/messages", json={"messages": batch}).raise_for_status()


def measure_request_types(
    http: httpx.Client, server: LettaliteServer, llm: FakeLLM, turns: int
) -> None:
    agent_id = new_agent(http)
    path = f"/v1/agents/{agent_id}/messages"
    http.post(path, json={"input": "warm up"}).raise_for_status()
    plain = lambda: http.post(path, json={"input": "hi"})  # noqa: E731
    measure("plain turn (1 model call)", server, llm, plain, turns)

    edits = itertools.cycle([EDIT.format(*NAMES), EDIT.format(*reversed(NAMES))])
    edit = lambda: http.post(path, json={"input": next(edits)})  # noqa: E731
    measure("memory edit turn (2 model calls)", server, llm, edit, turns)
    create = lambda: http.post("/v1/agents/", json={"model": "openai/gpt-4o-mini"})  # noqa: E731
    measure("agent create", server, llm, create, turns)
    measure("get agent", server, llm, lambda: http.get(f"/v1/agents/{agent_id}"), turns)


def measure_history(
    http: httpx.Client, server: LettaliteServer, llm: FakeLLM, sizes: list[int], turns: int
) -> None:
    for size in sizes:
        agent_id = new_agent(http)
        grow_history(http, agent_id, size)
        in_context = len(http.get(f"/v1/agents/{agent_id}").json()["message_ids"])
        path = f"/v1/agents/{agent_id}/messages"
        send = lambda p=path: http.post(p, json={"input": "hi"})  # noqa: E731
        measure(f"plain turn, {in_context} messages in context", server, llm, send, turns)
        get = lambda a=agent_id: http.get(f"/v1/agents/{a}")  # noqa: E731
        measure(f"get agent, {in_context} messages in context", server, llm, get, turns)


def measure_rss(http: httpx.Client, server: LettaliteServer, turns: int) -> None:
    agent_id = new_agent(http)
    for _ in range(turns):
        http.post(f"/v1/agents/{agent_id}/messages", json={"input": "hi"}).raise_for_status()
    rss = sum(rss_mib(pid) for pid in process_tree(server.process.pid))
    print(f"server RSS after {turns} turns: {rss:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--history", default="0,1000,10000")
    parser.add_argument("--rss-turns", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database = os.environ.get("LETTALITE_DATABASE_URL") or (
            f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        )
        print(f"database: {database.split(':')[0]}")
        llm = FakeLLM(log=workdir / "fake_llm.log")
        llm.start()
        server = LettaliteServer(database, llm.base_url, workdir / "server")
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=120) as http:
                measure_request_types(http, server, llm, args.turns)
                sizes = [int(size) for size in args.history.split(",") if size]
                measure_history(http, server, llm, sizes, max(args.turns // 5, 5))
                measure_rss(http, server, args.rss_turns)
        finally:
            server.stop()
            llm.stop()


if __name__ == "__main__":
    main()
