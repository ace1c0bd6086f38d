"""Sandboxes with small limits, built per test, and a way to run one tool call in them."""

import asyncio
import textwrap
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lettalite.sandbox import Sandbox, SandboxResult, SandboxSettings, ToolRun

MakeSandbox = Callable[..., Sandbox]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A server data directory with a database file in it, as the server would have."""
    directory = tmp_path / "data"
    directory.mkdir()
    (directory / "lettalite.db").write_text("server secrets")
    return directory


@pytest.fixture
def make_sandbox(data_dir: Path) -> MakeSandbox:
    base = SandboxSettings(
        mechanism="bubblewrap",
        timeout_seconds=10.0,
        memory_mb=256,
        max_output_bytes=64 * 1024,
        max_processes=32,
        network=False,
        max_concurrent=4,
        pip_install=True,
        pip_args=(),
        install_timeout_seconds=120.0,
        packages_dir=data_dir / "tool-packages",
        hidden_paths=(data_dir,),
    )

    def make(**overrides: Any) -> Sandbox:
        return Sandbox(replace(base, **overrides))

    return make


def run(sandbox: Sandbox, source: str, function: str, **fields: Any) -> SandboxResult:
    """One call, from a fresh event loop."""
    job = ToolRun(textwrap.dedent(source), function, fields.pop("arguments", {}), **fields)
    return asyncio.run(sandbox.run(job))
