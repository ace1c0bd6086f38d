"""Custom tool calls: the sandbox's fixed cost per call, what a sandboxed call adds to a turn,
and how many calls at once the machine sustains (with the server's concurrency cap, and with
it raised). Runs the real server on a fresh SQLite file against the scripted instant LLM.

Usage: python -m bench.tool_calls [--calls N] [--turns N]
"""

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from bench.run_all import SEED_BLOCKS, llm_ms, percentiles, sql_statements
from lettalite.config import Settings
from lettalite.sandbox import Sandbox, SandboxSettings, ToolRun
from tests.custom_tools.sources import source
from tests.factories import call_directive
from tests.servers import FakeLLM, LettaliteServer

ECHO = source("bench_echo", "return value", "value: str", "value: What to return.")
SQUARES = source(
    "bench_squares", "return sum(i * i for i in range(n))", "n: int", "n: How many squares."
)
SLEEP = source(
    "bench_sleep",
    "import time\ntime.sleep(seconds)\nreturn 'slept'",
    "seconds: float",
    "seconds: How long.",
)
SQUARES_N = 1_000_000
ECHO_RUN = {"source_code": ECHO, "args": {"value": "hi"}}
SQUARES_RUN = {"source_code": SQUARES, "args": {"n": SQUARES_N}}
SLEEP_RUN = {"source_code": SLEEP, "args": {"seconds": 0.5}}
CONCURRENCY = (1, 2, 4, 8, 16, 32)
WARM_UP = 3
DEFAULT_CAP: int = Settings.model_fields["tool_max_concurrent"].default


def row(label: str, samples_ms: list[float], note: str = "") -> None:
    p50, p95 = percentiles(samples_ms)
    print(f"  {label:<44} {p50:8.1f} {p95:8.1f}  n={len(samples_ms)} {note}")


def sample(call: Callable[[], object], count: int) -> list[float]:
    """Milliseconds per call, after a few untimed calls."""
    for _ in range(WARM_UP):
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run_over_http(http: httpx.Client, body: dict[str, Any]) -> None:
    response = http.post("/v1/tools/run", json=body)
    assert response.status_code == 200 and response.json()["status"] == "success", response.text


def process_cpu_ms(pid: int) -> float:
    """CPU time a process has used so far, its children not included (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def children_cpu_ms() -> float:
    """CPU time this process's reaped children have used so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def measure_one_call(http: httpx.Client, server: LettaliteServer, calls: int) -> None:
    assert server.process is not None
    print("one call, sequential                           p50 ms   p95 ms")
    before = process_cpu_ms(server.process.pid)
    samples = sample(lambda: run_over_http(http, ECHO_RUN), calls)
    used = (process_cpu_ms(server.process.pid) - before) / (WARM_UP + calls)
    row("POST /v1/tools/run, echo", samples, f"(server process CPU {used:.0f} ms per call)")
    namespace: dict[str, Any] = {}
    exec(SQUARES, namespace)  # the same work in this process, to subtract
    alone = percentiles(sample(lambda: namespace["bench_squares"](SQUARES_N), calls))[0]
    samples = sample(lambda: run_over_http(http, SQUARES_RUN), calls)
    row("POST /v1/tools/run, sum of squares", samples, f"(the work alone: {alone:.1f} ms)")


def measure_in_process(data_dir: Path, calls: int) -> None:
    """The sandbox without the server, under each mechanism; and a bare interpreter start."""
    settings = SandboxSettings.from_settings(Settings().model_copy(update={"data_dir": data_dir}))
    job = ToolRun(ECHO, "bench_echo", {"value": "hi"})
    loop = asyncio.new_event_loop()  # one loop for all calls, as in the server
    for mechanism in ("bubblewrap", "process"):
        sandbox = Sandbox(replace(settings, mechanism=mechanism))
        assert sandbox.mechanism == mechanism

        def run_in_process(sandbox: Sandbox = sandbox) -> None:
            assert loop.run_until_complete(sandbox.run(job)).status == "success"

        before = children_cpu_ms()
        samples = sample(run_in_process, calls)
        used = (children_cpu_ms() - before) / (WARM_UP + calls)
        # bwrap exits without reaping its namespace's processes (PID 1 inherits them), so
        # their CPU never reaches this process's rusage: shown for the process mechanism only.
        note = f"(tool process CPU {used:.0f} ms per call)" if mechanism == "process" else ""
        row(f"Sandbox.run() in-process, {mechanism}, echo", samples, note)
    loop.close()
    interpreter = [sys.executable, "-I", "-c", "pass"]
    row(
        "python -I -c pass (interpreter start)",
        sample(lambda: subprocess.run(interpreter, check=True), calls),
    )


def tool_statuses(response: httpx.Response) -> list[str]:
    messages = response.json()["messages"]
    return [m["status"] for m in messages if m["message_type"] == "tool_return_message"]


def measure_turns(http: httpx.Client, turns: int) -> None:
    tool = http.post("/v1/tools/", json={"source_code": ECHO})
    tool.raise_for_status()
    body = {
        "memory_blocks": SEED_BLOCKS,
        "model": "openai/gpt-4o-mini",
        "tool_ids": [tool.json()["id"]],
    }
    agent = http.post("/v1/agents/", json=body).json()["id"]
    cases = {
        "plain reply (1 LLM call)": ("hello there", []),
        "built-in memory_insert (2 LLM calls)": (
            call_directive("memory_insert", label="human", new_string="bench"),
            ["success"],
        ),
        "custom bench_echo (2 LLM calls)": (call_directive("bench_echo", value="hi"), ["success"]),
    }
    print("turn                                      total p50  overhead p50/p95  SQL statements")
    for label, (text, statuses) in cases.items():
        totals, overheads, statements = [], [], []
        for index in range(WARM_UP + turns):
            started = time.perf_counter()
            response = http.post(
                f"/v1/agents/{agent}/messages", json={"input": text, "streaming": False}
            )
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200 and tool_statuses(response) == statuses, (
                response.text
            )
            if index >= WARM_UP:
                totals.append(elapsed)
                overheads.append(elapsed - llm_ms(response))
                statements.append(sql_statements(response))
        p50, p95 = percentiles(overheads)
        print(
            f"  {label:<38} {percentiles(totals)[0]:8.1f} {p50:8.1f} /{p95:7.1f}"
            f"  {min(statements)}-{max(statements)}"
        )


async def load(url: str, body: dict[str, Any], workers: int, calls_each: int) -> str:
    """`workers` clients each making `calls_each` calls back to back, /v1/health/ probed
    meanwhile: the table row."""
    latencies: list[float] = []
    health: list[float] = []
    limits = httpx.Limits(max_connections=workers + 2)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:

        async def worker() -> None:
            for _ in range(calls_each):
                started = time.perf_counter()
                response = await client.post("/v1/tools/run", json=body)
                latencies.append((time.perf_counter() - started) * 1000)
                assert response.json()["status"] == "success", response.text

        async def probe(stop: asyncio.Event) -> None:
            while not stop.is_set():
                started = time.perf_counter()
                (await client.get("/v1/health/")).raise_for_status()
                health.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(0.05)

        stop = asyncio.Event()
        prober = asyncio.create_task(probe(stop))
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        wall = time.perf_counter() - started
        stop.set()
        await prober
    p50, p95 = percentiles(latencies)
    return (
        f"{workers:4d} {len(latencies) / wall:9.1f} {p50:8.0f} {p95:8.0f}"
        f" {percentiles(health)[1]:10.1f} {max(health):10.1f}"
    )


def measure_concurrency(url: str, cap: int, cases: dict[str, tuple[dict[str, Any], int]]) -> None:
    with httpx.Client(base_url=url, timeout=60) as http:  # a fresh server's first calls are slow
        sample(lambda: run_over_http(http, ECHO_RUN), 0)
    for label, (body, total) in cases.items():
        print(f"{label}, LETTALITE_TOOL_MAX_CONCURRENT={cap}")
        print("     N   calls/s   p50 ms   p95 ms  health p95  health max (ms)")
        for workers in CONCURRENCY:
            print(" ", asyncio.run(load(url, body, workers, max(2, total // workers))))


def start_server(workdir: Path, llm: FakeLLM, name: str, **env: str) -> LettaliteServer:
    database = f"sqlite+aiosqlite:///{workdir / f'{name}.db'}"
    server = LettaliteServer(database, llm.base_url, workdir / name, extra_env=env)
    server.start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--turns", type=int, default=20)
    args = parser.parse_args()
    trivial = {"echo": (ECHO_RUN, 48)}
    sleeping = {"sleep 0.5 s": (SLEEP_RUN, 16)}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        llm = FakeLLM(log=workdir / "fake_llm.log")
        llm.start()
        try:
            server = start_server(workdir, llm, "default")
            try:
                with httpx.Client(base_url=server.url, timeout=60) as http:
                    # Turns first: their warm-up waits out the server's background imports.
                    measure_turns(http, args.turns)
                    measure_one_call(http, server, args.calls)
                measure_in_process(workdir / "in-process", args.calls)
                measure_concurrency(server.url, DEFAULT_CAP, trivial | sleeping)
            finally:
                server.stop()
            server = start_server(workdir, llm, "cap32", LETTALITE_TOOL_MAX_CONCURRENT="32")
            try:
                measure_concurrency(server.url, 32, sleeping | trivial)
            finally:
                server.stop()
        finally:
            llm.stop()


if __name__ == "__main__":
    main()
