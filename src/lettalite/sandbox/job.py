"""What a sandbox is configured with, what it is asked to run, and what comes back."""

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lettalite.config import Settings

Mechanism = Literal["auto", "bubblewrap", "process"]


@dataclass(frozen=True)
class SandboxSettings:
    mechanism: Mechanism
    timeout_seconds: float
    memory_mb: int
    # Cap of each of stdout, stderr and the encoded return value.
    max_output_bytes: int
    max_processes: int
    network: bool
    max_concurrent: int
    pip_install: bool
    pip_args: tuple[str, ...]
    install_timeout_seconds: float
    packages_dir: Path
    # The server's own files: never visible inside the sandbox (see bubblewrap.py).
    hidden_paths: tuple[Path, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> "SandboxSettings":
        data_dir = settings.data_dir.expanduser()
        database = settings.sqlite_path
        hidden = (data_dir,) if database is None else (data_dir, database.parent)
        packages = settings.tool_packages_dir
        return cls(
            mechanism=settings.tool_sandbox,
            timeout_seconds=settings.tool_timeout_seconds,
            memory_mb=settings.tool_memory_mb,
            max_output_bytes=settings.tool_max_output_bytes,
            max_processes=settings.tool_max_processes,
            network=settings.tool_network,
            max_concurrent=settings.tool_max_concurrent,
            pip_install=settings.tool_pip_install,
            pip_args=tuple(shlex.split(settings.tool_pip_args)),
            install_timeout_seconds=settings.tool_install_timeout_seconds,
            packages_dir=packages.expanduser() if packages else data_dir / "tool-packages",
            hidden_paths=tuple(dict.fromkeys(hidden)),
        )


@dataclass(frozen=True)
class ToolRun:
    source_code: str
    function_name: str
    arguments: dict[str, Any]
    # The only environment the tool sees besides PATH, HOME and the like (the agent's secrets).
    env: dict[str, str] = field(default_factory=dict)
    # Passed as `agent_state` (attribute access) when the function has such a parameter.
    agent_state: dict[str, Any] | None = None
    # pip specs such as "requests==2.32.3"; installed once per set (see packages.py).
    pip_requirements: tuple[str, ...] = ()


@dataclass(frozen=True)
class SandboxResult:
    status: Literal["success", "error"]
    func_return: Any
    stdout: str
    stderr: str
    # What the model reads when status is "error".
    error: str | None

    @classmethod
    def failed(cls, error: str, stdout: str = "", stderr: str = "") -> "SandboxResult":
        return cls(status="error", func_return=None, stdout=stdout, stderr=stderr, error=error)
