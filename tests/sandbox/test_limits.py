"""Tools that hang, print without end, allocate without bound or fork without end: each ends
as an error result, soon, and the event loop that waits for it keeps running meanwhile."""

import asyncio
import itertools
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from lettalite.sandbox import Sandbox, SandboxResult, ToolRun
from tests.sandbox.conftest import MakeSandbox, run

MECHANISMS = ["bubblewrap", "process"]


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_a_tool_running_past_the_timeout_is_stopped_with_an_error(
    make_sandbox: MakeSandbox, mechanism: str
) -> None:
    source = """
        import time

        def nap() -> str:
            print("going to sleep", flush=True)
            time.sleep(60)
            return "rested"
    """
    started = time.monotonic()
    result = run(make_sandbox(mechanism=mechanism, timeout_seconds=1.0), source, "nap")
    elapsed = time.monotonic() - started
    assert result.status == "error"
    assert result.error == "Executing tool nap timed out after 1 seconds."
    assert result.stdout == "going to sleep\n"  # what it printed before is kept
    assert 1.0 <= elapsed < 2.5


async def _run_while_ticking(sandbox: Sandbox, job: ToolRun) -> tuple[SandboxResult, float]:
    """The result, and the longest gap a task ticking every 10 ms saw meanwhile."""
    gaps: list[float] = []

    async def tick() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    try:
        result = await sandbox.run(job)
    finally:
        ticker.cancel()
    return result, max(gaps)


# The event loop's latency is measured: `make test` runs this alone, not beside other tests' load.
@pytest.mark.serial
@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_printing_50_mb_stops_the_tool_at_the_cap_and_the_loop_keeps_running(
    make_sandbox: MakeSandbox, mechanism: str
) -> None:
    source = textwrap.dedent(
        """
        import sys

        def flood() -> str:
            chunk = "x" * (1024 * 1024)
            for _ in range(50):
                sys.stdout.write(chunk)
            return "done"
        """
    )
    sandbox = make_sandbox(mechanism=mechanism, max_output_bytes=1024 * 1024)
    result, longest_gap = asyncio.run(_run_while_ticking(sandbox, ToolRun(source, "flood", {})))
    assert result.status == "error"
    assert (
        result.error == "The tool flood printed more than 1048576 bytes to stdout; it was stopped."
    )
    assert result.stdout == "x" * (1024 * 1024)
    assert longest_gap < 0.1, f"the event loop stalled for {longest_gap:.3f} s"


def test_a_return_value_past_the_cap_is_an_error(make_sandbox: MakeSandbox) -> None:
    source = """
        def big() -> str:
            return "y" * 100_000
    """
    result = run(make_sandbox(max_output_bytes=50_000), source, "big")
    assert result.status == "error"
    assert result.error == "The tool big returned more than 50000 bytes of JSON; it was stopped."


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_allocating_past_the_memory_limit_is_an_error(
    make_sandbox: MakeSandbox, mechanism: str
) -> None:
    source = """
        def hog() -> int:
            blocks = []
            while True:
                blocks.append(bytearray(16 * 1024 * 1024))
    """
    result = run(make_sandbox(mechanism=mechanism, memory_mb=128), source, "hog")
    assert result.status == "error"
    assert result.error == "MemoryError: the tool used over 128 MiB"


def _processes_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == name:
                found.append(int(entry.name))
        except OSError:
            continue  # it ended while we looked
    return found


def test_a_fork_bomb_ends_as_an_error_and_leaves_no_process_behind(
    make_sandbox: MakeSandbox,
) -> None:
    name = f"bomb{uuid.uuid4().hex[:10]}"  # the kernel keeps 15 characters of a name
    source = f"""
        import ctypes, os, time

        def bomb() -> None:
            ctypes.CDLL(None).prctl(15, {name.encode()!r})  # PR_SET_NAME, inherited
            while True:
                try:
                    os.fork()
                except OSError:
                    time.sleep(0.05)
    """
    sandbox = make_sandbox(timeout_seconds=2.0, max_processes=32)
    started = time.monotonic()
    result = run(sandbox, source, "bomb")
    assert result.status == "error"
    assert result.error == "Executing tool bomb timed out after 2 seconds."
    assert time.monotonic() - started < 4.0
    deadline = time.monotonic() + 2.0
    while _processes_named(name) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_named(name) == []


def test_the_fork_bomb_was_held_to_the_process_limit(make_sandbox: MakeSandbox) -> None:
    """As root the kernel limits no processes: the tool must not run as root."""
    source = """
        import os, time

        def count() -> int:
            children = 0
            try:
                for _ in range(200):
                    if os.fork() == 0:
                        time.sleep(30)
                        os._exit(0)
                    children += 1
            except OSError:
                pass
            return children
    """
    result = run(make_sandbox(max_processes=16), source, "count")
    assert result.status == "success"
    assert result.func_return < 16


def test_calls_beyond_max_concurrent_wait_their_turn(make_sandbox: MakeSandbox) -> None:
    source = textwrap.dedent(
        """
        import time

        def hold() -> float:
            started = time.time()
            time.sleep(0.5)
            return started
        """
    )
    sandbox = make_sandbox(max_concurrent=1)

    async def three_at_once() -> list[SandboxResult]:
        job = ToolRun(source, "hold", {})
        return await asyncio.gather(*(sandbox.run(job) for _ in range(3)))

    starts = sorted(result.func_return for result in asyncio.run(three_at_once()))
    assert all(later - earlier >= 0.5 for earlier, later in itertools.pairwise(starts))
