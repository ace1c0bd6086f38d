"""Performance numbers for the notes: startup, memory, agent create, list latency, per-turn
overhead, and concurrent turns on `--workers 1` and `--workers 2`. Runs the real server on a
fresh SQLite file (or LETTALITE_DATABASE_URL) against the scripted instant LLM.
Usage: `make bench` or `python -m bench.run_all [--agents N --turns N]`.
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from tests.servers import FakeLLM, LettaliteServer

SEED_BLOCKS = [
    {"label": "persona", "value": "I am a friendly AI assistant here to help you learn."},
    {"label": "human", "value": "Name: User\nFirst interaction: Learning about Letta"},
]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95); p95 is the sample at that rank."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def summary(samples_ms: list[float]) -> str:
    p50, p95 = percentiles(samples_ms)
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms (n={len(samples_ms)})"


def timed(call) -> tuple[float, object]:  # noqa: ANN001
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def measure_startup(workdir: Path, llm: FakeLLM, runs: int) -> None:
    database = f"sqlite+aiosqlite:///{workdir / 'startup.db'}"
    for label in ("first start (creates + migrates the database)", "restart (already migrated)"):
        samples = []
        for _ in range(1 if label.startswith("first") else runs):
            server = LettaliteServer(database, llm.base_url, workdir / "startup")
            start = time.perf_counter()
            server.start()
            samples.append((time.perf_counter() - start) * 1000)
            memory = rss_mib(server.process.pid)
            server.stop()
        print(f"startup, {label}: {summary(samples)}; RSS after startup {memory:.1f} MiB")


def measure_api(http: httpx.Client, agents: int) -> list[str]:
    creates, ids = [], []
    for index in range(agents):
        elapsed, response = timed(
            lambda i=index: http.post(
                "/v1/agents/",
                json={
                    "name": f"bench-{i}",
                    "memory_blocks": SEED_BLOCKS,
                    "model": "openai/gpt-4o-mini",
                },
            )
        )
        response.raise_for_status()
        creates.append(elapsed)
        ids.append(response.json()["id"])
    print(f"agent create: {summary(creates)}")
    for limit in (10, 50):
        samples = [
            timed(lambda n=limit: http.get("/v1/agents/", params={"limit": n}))[0]
            for _ in range(100)
        ]
        print(f"list agents (limit={limit}, {agents} agents stored): {summary(samples)}")
    samples = [
        timed(lambda: http.get(f"/v1/agents/{ids[0]}/core-memory/blocks"))[0] for _ in range(100)
    ]
    print(f"list an agent's blocks: {summary(samples)}")
    samples = [timed(lambda: http.get(f"/v1/agents/{ids[0]}"))[0] for _ in range(100)]
    print(f"get agent: {summary(samples)}")
    return ids


def llm_ms(response: httpx.Response) -> float:
    """The server's own measure of time spent waiting for the model (Server-Timing: llm)."""
    timing = response.headers["server-timing"]
    return float(timing.split("dur=")[1].split(",")[0])


def sql_statements(response: httpx.Response) -> int:
    """How many SQL statements the request made, its turn included (Server-Timing: sql)."""
    timing = response.headers["server-timing"]
    return int(timing.split('sql;desc="')[1].split(" ")[0])


SHELL_TOOL = {"name": "exec_command", "description": "Run a command", "parameters": {}}


def measure_turns(http: httpx.Client, agent_id: str, turns: int) -> None:
    conversation = http.post(f"/v1/conversations/?agent_id={agent_id}", json={}).json()["id"]
    default = f"/v1/agents/{agent_id}/messages"
    named = f"/v1/conversations/{conversation}/messages"
    for label, path, text in (
        ("plain reply, 1 LLM call", default, "hello there"),
        ("memory edit, 2 LLM calls", default, "My name is Bench."),
        ("named conversation, plain reply", named, "hello there"),
    ):
        totals, overheads, statements = [], [], []
        for index in range(turns):
            if "edit" in label:  # make the edit apply again each turn
                http.patch(
                    f"/v1/agents/{agent_id}/core-memory/blocks/human",
                    json={"value": f"Name: User{index}"},
                )
            body = {"input": text, "streaming": False}
            elapsed, response = timed(lambda p=path, b=body: http.post(p, json=b))
            response.raise_for_status()
            totals.append(elapsed)
            overheads.append(elapsed - llm_ms(response))
            statements.append(sql_statements(response))
        print(
            f"turn ({label}): total {summary(totals)}; "
            f"server overhead (total minus LLM time) {summary(overheads)}; "
            f"SQL statements {min(statements)}-{max(statements)}"
        )
    measure_client_tool_round_trips(http, named, turns)


def measure_client_tool_round_trips(http: httpx.Client, path: str, turns: int) -> None:
    """A client tool call: the request that pauses for it, and the one answering it."""
    overheads, statements = [], []
    call = '[[call exec_command {"cmd": "ls"}]]'
    for _ in range(turns):
        request = {"input": call, "client_tools": [SHELL_TOOL], "streaming": False}
        elapsed, paused = timed(lambda b=request: http.post(path, json=b))
        paused.raise_for_status()
        [waiting] = [
            m for m in paused.json()["messages"] if m["message_type"].startswith("approval")
        ]
        answer = {
            "type": "tool",
            "tool_call_id": waiting["tool_call"]["tool_call_id"],
            "tool_return": "file",
            "status": "success",
        }
        body = {"messages": [{"type": "approval", "approvals": [answer]}], "streaming": False}
        answered_in, answered = timed(lambda b=body: http.post(path, json=b))
        answered.raise_for_status()
        overheads.append(elapsed + answered_in - llm_ms(paused) - llm_ms(answered))
        statements.append(sql_statements(paused) + sql_statements(answered))
    print(
        "client tool round trip (2 requests, 2 LLM calls): server overhead "
        f"{summary(overheads)}; SQL statements {min(statements)}-{max(statements)}"
    )


def measure_stream_first_byte(http: httpx.Client, agent_id: str, samples: int) -> None:
    """Request to first streamed byte (the ping) and to the first token, instant LLM."""
    first_byte, first_token = [], []
    for _ in range(samples):
        started = time.perf_counter()
        body = {"input": "hello", "streaming": True, "stream_tokens": True}
        with http.stream("POST", f"/v1/agents/{agent_id}/messages", json=body) as response:
            token_seen = False
            for index, line in enumerate(response.iter_lines()):
                now = (time.perf_counter() - started) * 1000
                if index == 0:
                    first_byte.append(now)
                if not token_seen and "assistant_message" in line:
                    first_token.append(now)
                    token_seen = True
    print(f"stream, request to first byte: {summary(first_byte)}")
    print(f"stream, request to first token: {summary(first_token)}")


async def send_all(server_url: str, calls: list[tuple[str, dict]]) -> float:
    """Post every call at once (each on a connection of its own); the wall time."""
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=len(calls))
    async with httpx.AsyncClient(base_url=server_url, timeout=120, limits=limits) as client:
        responses = await asyncio.gather(*(client.post(p, json=b) for p, b in calls))
    assert all(r.status_code == 200 for r in responses)
    return time.perf_counter() - started


def measure_concurrency(http: httpx.Client, server_url: str, label: str) -> None:
    """50 agents with a 0.5 s model, one turn each, at once; and 20 turns to one agent."""
    agents = [
        http.post("/v1/agents/", json={"model": "openai/gpt-4o-mini"}).json()["id"]
        for _ in range(50)
    ]
    turns = [(f"/v1/agents/{a}/messages", {"input": "[[sleep 0.5]] hi"}) for a in agents]
    # The first turns of a fresh process also import the provider SDKs: once per worker.
    for round_ in ("first round", "second round"):
        wall = asyncio.run(send_all(server_url, turns))
        print(
            f"{label}: 50 agents x 1 turn, 0.5 s model latency, concurrently, {round_}: "
            f"{wall:.2f} s wall"
        )
    one = agents[0]
    http.post(
        f"/v1/agents/{one}/core-memory/blocks/attach/"
        + http.post("/v1/blocks/", json={"label": "log", "value": ""}).json()["id"]
    )
    calls = [
        (
            f"/v1/agents/{one}/messages",
            {"input": f'[[call memory_insert {{"label": "log", "new_string": "line {i}"}}]]'},
        )
        for i in range(20)
    ]
    wall = asyncio.run(send_all(server_url, calls))
    print(
        f"{label}: 20 concurrent turns to one agent (serialized), 2 model calls each: "
        f"{wall:.2f} s wall, {wall / 20 * 1000:.0f} ms per turn"
    )


def measure_workers(llm: FakeLLM, database_url: str, workdir: Path) -> None:
    """The concurrency measures again, on `lettalite serve --workers N` for N = 1 and 2."""
    for workers in (1, 2):
        serve_args = ("--workers", str(workers))
        workers_dir = workdir / f"workers-{workers}"
        server = LettaliteServer(database_url, llm.base_url, workers_dir, serve_args=serve_args)
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=60) as http:
                measure_concurrency(http, server.url, f"--workers {workers}")
        finally:
            server.stop()


def measure_server(
    llm: FakeLLM, database_url: str, workdir: Path, args: argparse.Namespace
) -> None:
    server = LettaliteServer(database_url, llm.base_url, workdir / "server")
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            ids = measure_api(http, args.agents)
            measure_turns(http, ids[0], args.turns)
            measure_stream_first_byte(http, ids[1], args.turns)
        print(f"server RSS after the run: {rss_mib(server.process.pid):.1f} MiB")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--workers-only", action="store_true", help="only --workers 1 and 2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        llm = FakeLLM(log=workdir / "fake_llm.log")
        llm.start()
        database_url = os.environ.get(
            "LETTALITE_DATABASE_URL", f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        )
        try:
            if not args.workers_only:
                measure_startup(workdir, llm, args.startup_runs)
                measure_server(llm, database_url, workdir, args)
            measure_workers(llm, database_url, workdir)
        finally:
            llm.stop()


if __name__ == "__main__":
    main()
