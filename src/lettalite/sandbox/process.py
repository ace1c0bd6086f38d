"""One child process, watched from the event loop without ever blocking it.

Its output is read as it comes and kept only up to a cap; a deadline or an overflowing stream
kills its whole process group (it starts a session of its own), and so does its normal exit:
whatever it left running in the background dies with it.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# After the process ended, how long its pipes may take to deliver what they still hold.
DRAIN_SECONDS = 2.0


@dataclass(frozen=True)
class Command:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    stdin: bytes
    timeout_seconds: float
    # Cap of each stream; past it `keep_tail` keeps the last bytes, else the process is killed.
    max_output_bytes: int
    keep_tail: bool = False
    # Stderr goes into stdout (one stream, in the order written).
    merge_stderr: bool = False
    # A third stream for the result: the number of its descriptor is appended to argv.
    result_channel: bool = False


@dataclass(frozen=True)
class Finished:
    # As subprocess reports it: negative when the process was killed by that signal.
    exit_code: int
    stdout: bytes
    stderr: bytes
    result: bytes
    timed_out: bool
    # The stream that went past the cap ("stdout", "stderr" or "result"), if one did.
    overflowed: str | None


class CappedPipe(asyncio.Protocol):
    """Collects one pipe's bytes up to a cap, reading as they arrive."""

    def __init__(self, cap: int, keep_tail: bool, on_overflow: Callable[[], None]) -> None:
        self.cap = cap
        self.keep_tail = keep_tail
        self.on_overflow = on_overflow
        self.data = bytearray()
        self.overflowed = False
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.ReadTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.ReadTransport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.data += data
        if len(self.data) <= self.cap:
            return
        if self.keep_tail:
            del self.data[: len(self.data) - self.cap]
            return
        del self.data[self.cap :]
        if not self.overflowed:
            self.overflowed = True
            assert self.transport is not None
            self.transport.pause_reading()
            self.on_overflow()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


def kill_group(pid: int) -> None:
    """Kills the process group the child leads (its id is the child's pid). The id stays
    taken while any member lives; an empty group's id could only be a stranger's if the pid
    were reused in the moment since the exit."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(pid, signal.SIGKILL)


async def _feed(process: asyncio.subprocess.Process, data: bytes) -> None:
    assert process.stdin is not None
    try:
        process.stdin.write(data)
        await process.stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        pass  # it stopped reading: its exit status will say why
    finally:
        process.stdin.close()


async def run_process(command: Command) -> Finished:
    overflow = asyncio.Event()
    names = ["stdout"] + ([] if command.merge_stderr else ["stderr"])
    names += ["result"] if command.result_channel else []
    pipes = {
        name: CappedPipe(command.max_output_bytes, command.keep_tail, overflow.set)
        for name in names
    }
    loop = asyncio.get_running_loop()
    transports: list[asyncio.BaseTransport] = []
    write_ends: dict[str, int] = {}  # ours until the child has them
    try:
        for name, pipe in pipes.items():
            read_end, write_ends[name] = os.pipe()
            reader = os.fdopen(read_end, "rb", buffering=0)
            transports.append((await loop.connect_read_pipe(lambda p=pipe: p, reader))[0])
        process = await _spawn(command, write_ends)
        _close(write_ends)  # else the pipes would never report the child's end
        timed_out, exit_code = await _watch(process, command, overflow)
        still_open = [pipe.closed for pipe in pipes.values() if not pipe.overflowed]
        if still_open:
            await asyncio.wait(still_open, timeout=DRAIN_SECONDS)
    finally:
        _close(write_ends)
        for transport in transports:
            transport.close()
    overflowed = next((name for name, pipe in pipes.items() if pipe.overflowed), None)
    return Finished(
        exit_code=exit_code,
        stdout=bytes(pipes["stdout"].data),
        stderr=bytes(pipes["stderr"].data) if "stderr" in pipes else b"",
        result=bytes(pipes["result"].data) if "result" in pipes else b"",
        timed_out=timed_out,
        overflowed=overflowed,
    )


def _close(descriptors: dict[str, int]) -> None:
    while descriptors:
        os.close(descriptors.popitem()[1])


async def _spawn(command: Command, write_ends: dict[str, int]) -> asyncio.subprocess.Process:
    result = write_ends.get("result")
    return await asyncio.create_subprocess_exec(
        *command.argv,
        *([str(result)] if result is not None else []),
        stdin=subprocess.PIPE,
        stdout=write_ends["stdout"],
        stderr=write_ends.get("stderr", subprocess.STDOUT),
        pass_fds=[result] if result is not None else [],
        env=command.env,
        cwd=command.cwd,
        start_new_session=True,
    )


async def _watch(
    process: asyncio.subprocess.Process, command: Command, overflow: asyncio.Event
) -> tuple[bool, int]:
    """Waits for the exit, the deadline or an overflow; then kills the group. (timed out, code)"""
    feeding = asyncio.create_task(_feed(process, command.stdin))
    exited = asyncio.create_task(process.wait())
    overflowed = asyncio.create_task(overflow.wait())
    try:
        done, _ = await asyncio.wait(
            {exited, overflowed},
            timeout=command.timeout_seconds,
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        # Also after a normal exit (its children), and when our caller is cancelled.
        kill_group(process.pid)
        feeding.cancel()
        overflowed.cancel()
    return not done, await exited
