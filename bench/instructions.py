"""The instructions each request type costs the server, counted by valgrind's callgrind.

The server runs under `valgrind --tool=callgrind --instr-atstart=no`, one process, against
the scripted model, on a fresh SQLite file or LETTALITE_DATABASE_URL. Each request type
(plain turn, memory edit turn, agent create, GET agent) is sent a few times uninstrumented,
then N times in sequence with instrumentation on (`callgrind_control -i on`). After each
request the bench waits until the server is idle (a turn's run ends after its response),
then has callgrind dump its counts (`callgrind_control -d`): a dump holds the instructions
executed since the one before, in every thread of the server (SQLite runs in aiosqlite's),
and nothing of the bench's or the scripted model's. Each request's count is exact; what
differs from one request to the next (by 2 to 4%) is the server's own work: garbage
collections fall on some requests (with the collector off, plain turns agree within 2%), a
memory edit turn's context grows. Each line gives the median, the mean and the range.

Under callgrind a request takes 5 to 50 times as long, so the server's clock-driven work
would fire many times per request instead of almost never: the scheduler's look every
0.25 s, the file processor's poll, a run's cancel poll, lease renewals and the providers'
reload, and uvicorn's 0.1 s tick and its closing of idle keep-alive connections. The server
is started with all of them an hour apart (QUIET_SERVE), so that only the requests' own
work is counted: the `idle` line shows what 2 s without requests count (callgrind's own
interruption, a few hundred instructions). PYTHONHASHSEED is fixed so set orders repeat.
Two runs agree within 0.2%, on a loaded machine too: a count does not depend on speed.

Only lettalite's process is counted: on PostgreSQL, not the database server's work.
Needs valgrind (`apt-get install valgrind`). Takes about a minute at 5 requests per type.
Usage: `python -m bench.instructions [--requests 5]`
"""

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.turn_cost import EDIT, NAMES, cpu_seconds, new_agent
from tests.servers import FakeLLM, LettaliteServer

HOUR = "3600"
# `lettalite serve` with its clock-driven loops, uvicorn's 0.1 s tick (the Date header, the
# check for a signal to exit) and its closing of idle keep-alive connections (after 5 s)
# slowed to once an hour (see the docstring). A server so started does not notice SIGTERM: it
# is killed.
QUIET_SERVE = f"""
import asyncio
import uvicorn
import uvicorn.server
import lettalite.agent.runs as runs
import lettalite.services.file_processing as files
import lettalite.services.scheduler as scheduler
from lettalite.cli import main

runs.CANCEL_POLL_SECONDS = files.IDLE_POLL_SECONDS = scheduler.POLL_SECONDS = {HOUR}

async def main_loop(self):
    counter = 0
    while not await self.on_tick(counter):
        counter += 10  # a Date header at each tick, as uvicorn does every 10th
        await asyncio.sleep({HOUR})

def run(*args, run=uvicorn.run, **options):
    run(*args, timeout_keep_alive={HOUR}, **options)

uvicorn.server.Server.main_loop = main_loop
uvicorn.run = run
main()
"""
QUIET_ENV = {
    "LETTALITE_TURN_LEASE_SECONDS": HOUR,  # renewals at a third of it, orphan sweeps at it
    "LETTALITE_PROVIDER_RELOAD_SECONDS": HOUR,
    "PYTHONHASHSEED": "0",
}
STARTUP_TIMEOUT_SECONDS = 600  # about 15 s here: Python starts 5 to 10 times slower
CONTROL_TIMEOUT_SECONDS = 120
IDLE_WINDOW_SECONDS = 0.3
IDLE_TIMEOUT_SECONDS = 60
# Requests of each type sent uninstrumented just before its counted ones: the first of a type
# after another type's run higher (by 2 to 5%), a type's very first much higher (imports,
# caches, first queries).
WARM_UP = 3


def parse_totals(dump: str) -> int:
    """The first event's total (Ir: instructions executed) of a callgrind dump's text."""
    for line in dump.splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise ValueError("no 'totals:' line in the callgrind dump")


@dataclass
class Callgrind:
    """Controls the callgrind run of process `pid`, which dumps to `out_file`.N."""

    pid: int
    out_file: Path
    dumps: int = 0

    def control(self, *args: str) -> None:
        command = ["callgrind_control", *args, str(self.pid)]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=CONTROL_TIMEOUT_SECONDS
        )
        if result.returncode != 0 or "OK." not in result.stdout:
            raise RuntimeError(f"{' '.join(command)}: {result.stdout}{result.stderr}")

    def dump(self) -> int:
        """Instructions executed since the last dump (or zeroing)."""
        self.control("--dump")
        self.dumps += 1
        path = Path(f"{self.out_file}.{self.dumps}")
        deadline = time.monotonic() + CONTROL_TIMEOUT_SECONDS
        while True:
            try:
                return parse_totals(path.read_text())
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def count_each(self, send: Callable[[], None], repeats: int) -> list[int]:
        """The instructions of each of `repeats` calls of `send`, with what it left running."""
        self.control("--zero")
        self.control("--instr=on")
        try:
            counts = []
            for _ in range(repeats):
                send()
                wait_until_idle(self.pid)
                counts.append(self.dump())
            return counts
        finally:
            self.control("--instr=off")


def wait_until_idle(pid: int) -> None:
    """Until the server has used no CPU time over a window and ends it with no thread running
    or waiting on the disk. With its clock-driven work slowed (QUIET_SERVE), an idle server
    runs nothing at all; CPU time alone would not do on a busy machine, where a server with
    work left may get little of a CPU."""
    deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(IDLE_WINDOW_SECONDS)
        after = cpu_seconds(pid)
        if after == before and not running_threads(pid):
            return
        before = after
    raise RuntimeError(f"the server did not become idle in {IDLE_TIMEOUT_SECONDS} s")


def running_threads(pid: int) -> int:
    """The threads of process `pid` running, ready to run, or waiting on the disk."""
    states = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            states.append((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
        except OSError:  # the thread has ended
            continue
    return sum(state in ("R", "D") for state in states)


def millions(count: float) -> str:
    return f"{count / 1e6:.2f} M"


def report(label: str, counts: list[int]) -> None:
    """The median, which repeats best from run to run, then the mean (as turn_cost's CPU per
    request is: the requests that a garbage collection falls on count in it) and the range."""
    print(
        f"{label}: {millions(statistics.median(counts))} instructions per request "
        f"(median of {len(counts)}; mean {millions(statistics.mean(counts))}; "
        f"each {millions(min(counts))} to {millions(max(counts))})",
        flush=True,
    )


def requests(http: httpx.Client, agent_id: str) -> dict[str, Callable[[], None]]:
    """Each request type, as a call that sends one and checks it succeeded."""
    path = f"/v1/agents/{agent_id}/messages"
    edits = itertools.cycle([EDIT.format(*NAMES), EDIT.format(*reversed(NAMES))])
    sends = {
        "plain turn (1 model call)": lambda: http.post(path, json={"input": "hi"}),
        "memory edit turn (2 model calls)": lambda: http.post(path, json={"input": next(edits)}),
        "agent create": lambda: http.post("/v1/agents/", json={"model": "openai/gpt-4o-mini"}),
        "get agent": lambda: http.get(f"/v1/agents/{agent_id}"),
    }
    return {label: checked(send) for label, send in sends.items()}


def checked(send: Callable[[], httpx.Response]) -> Callable[[], None]:
    def send_checked() -> None:
        send().raise_for_status()

    return send_checked


def measure(http: httpx.Client, callgrind: Callgrind, repeats: int) -> None:
    idle_seconds = 2.0
    idle = callgrind.count_each(lambda: time.sleep(idle_seconds), 1)[0]
    print(f"idle, {idle_seconds:.0f} s without requests: {idle} instructions", flush=True)
    for label, send in requests(http, new_agent(http)).items():
        for _ in range(WARM_UP):
            send()
        report(label, callgrind.count_each(send, repeats))


def callgrind_server(workdir: Path, database: str, llm: FakeLLM) -> LettaliteServer:
    valgrind = (
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={workdir / 'callgrind.out'}",
    )
    return LettaliteServer(
        database,
        llm.base_url,
        workdir / "server",
        extra_env=dict(QUIET_ENV),
        launcher=(*valgrind, sys.executable, "-c", QUIET_SERVE),
        startup_timeout=STARTUP_TIMEOUT_SECONDS,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5, help="of each type")
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        parser.error("needs valgrind and callgrind_control (apt-get install valgrind)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database = os.environ.get("LETTALITE_DATABASE_URL") or (
            f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        )
        print(f"database: {database.split(':')[0]}; server under callgrind", flush=True)
        llm = FakeLLM(log=workdir / "fake_llm.log")
        llm.start()
        server = callgrind_server(workdir, database, llm)
        try:
            server.start()
            callgrind = Callgrind(server.process.pid, workdir / "callgrind.out")
            with httpx.Client(base_url=server.url, timeout=600) as http:
                measure(http, callgrind, args.requests)
        finally:
            server.stop(kill=True)
            llm.stop()
    print(f"took {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
