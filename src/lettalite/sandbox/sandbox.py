"""`Sandbox`: runs custom tool calls in separate, confined processes (see the package doc)."""

import asyncio
import ctypes
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lettalite.sandbox.bubblewrap import BASE_ENV, PACKAGES, bwrap_command
from lettalite.sandbox.job import SandboxResult, SandboxSettings, ToolRun
from lettalite.sandbox.packages import InstallFailed, PackageCache
from lettalite.sandbox.process import Command, Finished, run_process

RUNNER = Path(__file__).with_name("runner.py")
# The uid tools run as when the server is root: the kernel limits root's processes not at all.
UNPRIVILEGED_UID = 65534
PROBE_SOURCE = """
import os

def probe(directory: str) -> bool:
    return not directory or os.access(directory, os.R_OK | os.X_OK)
"""
PROBE_TIMEOUT_SECONDS = 30.0
PR_SET_DUMPABLE = 4
# A JSON escape of a surrogate (paired ones, which are fine, too: a cheap test before a fix-up).
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class SandboxUnavailable(RuntimeError):
    """LETTALITE_TOOL_SANDBOX=bubblewrap, but bubblewrap cannot run sandboxes here."""


@dataclass(frozen=True)
class Launch:
    mechanism: str
    argv: list[str]
    env: dict[str, str]  # of the process started
    runner_env: dict[str, str]  # what the runner starts with, under the tool's own variables
    cwd: Path
    sys_path: list[str]


class Sandbox:
    """Construct once at startup: it tries the mechanisms out (a blocking ~0.1 s)."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self._bwrap = shutil.which("bwrap")
        self._slots = asyncio.Semaphore(settings.max_concurrent)
        self._packages = PackageCache(settings)
        # `warning`: what the operator should know (for the log and /v1/health), or None.
        self.mechanism, self._uid, self.warning = self._choose_mechanism()
        if self.mechanism == "process" and self._uid is None:
            _keep_proc_entries_private()

    async def run(self, job: ToolRun) -> SandboxResult:
        """Runs one call to completion; a misbehaving tool ends as an error result."""
        installing = not self._packages.installed(job.pip_requirements)
        started = time.monotonic()
        try:
            packages = await self._packages.directory_for(job.pip_requirements)
        except InstallFailed as failure:
            return SandboxResult.failed(str(failure))
        # The call that waited for an install says so, on the stderr its caller sees.
        note = (
            f"lettalite: installed {', '.join(job.pip_requirements)} for this tool in "
            f"{time.monotonic() - started:.1f} s before running it\n"
            if installing
            else ""
        )
        async with self._slots:
            workdir = await asyncio.to_thread(self._make_workdir, self.mechanism, self._uid)
            try:
                launch = self._launch(self.mechanism, self._uid, packages, workdir)
                finished = await run_process(self._command(job, launch, self._uid))
            finally:
                if workdir is not None:
                    await asyncio.to_thread(shutil.rmtree, workdir, True)
        result = self._result(job.function_name, finished)
        return replace(result, stderr=note + result.stderr) if note else result

    def _choose_mechanism(self) -> tuple[str, int | None, str | None]:
        """(mechanism, uid to switch to or None, what the operator should know or None)."""
        wanted = self.settings.mechanism
        problem = "bubblewrap (bwrap) is not installed"
        if wanted != "process" and self._bwrap:
            uid, problem, notes = self._trial("bubblewrap")
            if problem is None:
                return "bubblewrap", uid, "; ".join(notes) or None
        if wanted == "bubblewrap":
            raise SandboxUnavailable(f"LETTALITE_TOOL_SANDBOX=bubblewrap, but {problem}")
        uid, failure, notes = self._trial("process")
        if failure is not None:
            raise SandboxUnavailable(f"Custom tools cannot run: {failure}")
        why = "" if wanted == "process" else f" ({problem})"
        user = "the server's user" if uid is None else f"uid {uid}"
        notes.insert(
            0,
            f"they run as plain processes{why}: without bubblewrap a tool can read every file "
            f"that {user} can, and use the network",
        )
        return "process", uid, "; ".join(notes)

    def _trial(self, mechanism: str) -> tuple[int | None, str | None, list[str]]:
        """(the uid tools run as, None for the server's; why the mechanism cannot run, or None;
        what the operator should know)."""
        notes = []
        if os.geteuid() == 0:
            problem, packages_readable = self._probe(mechanism, UNPRIVILEGED_UID)
            if problem is None:
                if not packages_readable:
                    notes.append(
                        f"uid {UNPRIVILEGED_UID} cannot read {self.settings.packages_dir}, so "
                        "tools cannot import their pip requirements (LETTALITE_TOOL_PACKAGES_DIR "
                        "can name a directory it can read)"
                    )
                return UNPRIVILEGED_UID, None, notes
            notes.append(
                f"they run as root (as uid {UNPRIVILEGED_UID} the interpreter fails: {problem}), "
                "so their number of processes is not limited: a fork bomb ends only at the timeout"
            )
        problem, _ = self._probe(mechanism, None)
        return None, problem, notes

    def _probe(self, mechanism: str, uid: int | None) -> tuple[str | None, bool]:
        """Runs a trivial tool: (what went wrong or None, whether it can read the packages)."""
        workdir = None
        try:
            workdir = self._make_workdir(mechanism, uid)
            # Under the process mechanism tools see the packages directory at its real path.
            directory = ""
            if mechanism == "process":
                self.settings.packages_dir.mkdir(parents=True, exist_ok=True)
                directory = str(self.settings.packages_dir)
            probe = ToolRun(PROBE_SOURCE, "probe", {"directory": directory})
            command = self._command(probe, self._launch(mechanism, uid, None, workdir), uid)
            completed = subprocess.run(
                [*command.argv, "1"],  # the result on stdout
                input=command.stdin,
                env=command.env,
                cwd=command.cwd,
                capture_output=True,
                timeout=PROBE_TIMEOUT_SECONDS,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return str(error), False
        finally:
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)
        outcome = _outcome(completed.stdout)
        if outcome is not None and outcome["status"] == "success":
            return None, outcome.get("value") is True
        return completed.stderr.decode("utf-8", "replace").strip()[-500:] or "no result", False

    @staticmethod
    def _make_workdir(mechanism: str, uid: int | None) -> Path | None:
        """A private working directory for the process mechanism (bubblewrap has a tmpfs)."""
        if mechanism != "process":
            return None
        workdir = Path(tempfile.mkdtemp(prefix="lettalite-tool-"))
        if uid is not None:
            os.chown(workdir, uid, uid)
        return workdir

    def _launch(
        self, mechanism: str, uid: int | None, packages: Path | None, workdir: Path | None
    ) -> Launch:
        if mechanism == "bubblewrap":
            assert self._bwrap is not None
            argv = bwrap_command(
                self._bwrap,
                runner=RUNNER,
                packages=packages,
                network=self.settings.network,
                tmp_bytes=self.settings.memory_mb * 1024 * 1024,
                hidden=self.settings.hidden_paths,
                runner_drops_root=uid is not None,
            )
            sys_path = [PACKAGES] if packages else []
            return Launch(mechanism, argv, {}, BASE_ENV, cwd=Path("/"), sys_path=sys_path)
        assert workdir is not None
        env = {**BASE_ENV, "HOME": str(workdir), "TMPDIR": str(workdir)}
        argv = [sys.executable, "-I", str(RUNNER)]
        sys_path = [str(packages)] if packages else []
        return Launch(mechanism, argv, env, env, cwd=workdir, sys_path=sys_path)

    def _command(self, job: ToolRun, launch: Launch, uid: int | None) -> Command:
        settings = self.settings
        payload = {
            "source_code": job.source_code,
            "function_name": job.function_name,
            "arguments": job.arguments,
            "agent_state": job.agent_state,
            "environment": {**launch.runner_env, **job.env},
            "sys_path": launch.sys_path,
            "memory_bytes": settings.memory_mb * 1024 * 1024,
            # CPU time beyond the wall-clock timeout means several busy threads.
            "cpu_seconds": math.ceil(settings.timeout_seconds),
            "max_processes": settings.max_processes,
            # Bubblewrap's user namespace counts the tool's processes apart from the server's.
            "uid_shared_with_server": uid is None and launch.mechanism == "process",
            "uid": uid,
        }
        return Command(
            argv=launch.argv,
            env=launch.env,
            cwd=launch.cwd,
            stdin=json.dumps(payload, default=str).encode(),
            timeout_seconds=settings.timeout_seconds,
            max_output_bytes=settings.max_output_bytes,
            result_channel=True,
        )

    def _result(self, name: str, finished: Finished) -> SandboxResult:
        stdout = finished.stdout.decode("utf-8", "replace")
        stderr = finished.stderr.decode("utf-8", "replace")
        outcome = _outcome(finished.result)
        cap = self.settings.max_output_bytes
        if finished.timed_out:
            timeout = self.settings.timeout_seconds
            error = f"Executing tool {name} timed out after {timeout:g} seconds."
        elif finished.overflowed == "result":
            error = f"The tool {name} returned more than {cap} bytes of JSON; it was stopped."
        elif finished.overflowed:
            error = (
                f"The tool {name} printed more than {cap} bytes to {finished.overflowed}; "
                "it was stopped."
            )
        elif outcome is None and finished.result and finished.exit_code == 0:
            error = (
                f"The tool {name} returned a value the server cannot read (not JSON, or nested "
                "too deeply)."
            )
        elif outcome is None:
            error = self._death(name, finished.exit_code)
        elif outcome["status"] == "success":
            return SandboxResult("success", outcome.get("value"), stdout, stderr, None)
        else:
            error = str(outcome.get("error"))
        return SandboxResult.failed(error, stdout, stderr)

    def _death(self, name: str, exit_code: int) -> str:
        """Why a tool ended without a result, from its exit status."""
        signum = -exit_code if exit_code < 0 else None
        if self.mechanism == "bubblewrap" and exit_code > 128:
            signum = exit_code - 128  # bubblewrap exits with 128 + the signal that killed it
        if signum is None:
            return f"The tool {name} exited with code {exit_code} before returning."
        if signum == signal.SIGXCPU:
            return f"The tool {name} used more than its CPU time limit and was stopped."
        try:
            signame = signal.Signals(signum).name
        except ValueError:
            signame = f"signal {signum}"
        return f"The tool {name} was killed by {signame} before returning."


def _keep_proc_entries_private() -> None:
    """Tools running as the server's own user could read its environment (provider keys,
    LETTALITE_API_KEY) and memory in /proc/<pid>/. A process that is not dumpable keeps those
    entries to root (and makes no core dump); tools, started by exec, are dumpable again."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _outcome(raw: bytes) -> dict[str, Any] | None:
    """The runner's report, if it wrote a well-formed one. JSON can escape a lone surrogate,
    which no UTF-8 text (a response, the database) can hold: each becomes "?"."""
    try:
        outcome = json.loads(raw)
        if SURROGATE_ESCAPE.search(raw):
            text = json.dumps(outcome, ensure_ascii=False).encode("utf-8", "replace")
            outcome = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python reads
        return None
    if isinstance(outcome, dict) and outcome.get("status") in ("success", "error"):
        return outcome
    return None


class StartingSandbox:
    """The sandbox, chosen in a thread after the server has started (its probe costs ~0.1 s
    of a core, which startup need not wait for); calls wait for the choice."""

    def __init__(self, settings: SandboxSettings) -> None:
        self._choice = asyncio.create_task(asyncio.to_thread(Sandbox, settings))

    async def ready(self) -> Sandbox:
        return await self._choice

    async def run(self, job: ToolRun) -> SandboxResult:
        return await (await self.ready()).run(job)
