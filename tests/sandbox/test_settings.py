"""Settings from the environment, and which mechanism a machine gets."""

from pathlib import Path

import pytest

from lettalite.config import Settings
from lettalite.sandbox import SandboxSettings, SandboxUnavailable
from tests.sandbox.conftest import MakeSandbox, run


def test_sandbox_settings_come_from_lettalite_tool_variables(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        LETTALITE_DATA_DIR=str(tmp_path / "data"),
        LETTALITE_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'db' / 'lettalite.db'}",
        LETTALITE_TOOL_SANDBOX="process",
        LETTALITE_TOOL_TIMEOUT_SECONDS="5",
        LETTALITE_TOOL_NETWORK="true",
        LETTALITE_TOOL_PIP_ARGS="--no-index --find-links '/some dir'",
    )
    sandbox = SandboxSettings.from_settings(settings)
    assert sandbox.mechanism == "process"
    assert sandbox.timeout_seconds == 5.0 and sandbox.network is True
    assert sandbox.pip_args == ("--no-index", "--find-links", "/some dir")
    assert sandbox.packages_dir == tmp_path / "data" / "tool-packages"
    assert sandbox.hidden_paths == (tmp_path / "data", tmp_path / "db")


def test_defaults(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, LETTALITE_DATA_DIR=str(tmp_path))
    sandbox = SandboxSettings.from_settings(settings)
    assert (sandbox.mechanism, sandbox.timeout_seconds, sandbox.memory_mb) == ("auto", 180.0, 512)
    assert (sandbox.max_output_bytes, sandbox.max_processes, sandbox.max_concurrent) == (
        1024 * 1024,
        64,
        8,
    )
    assert (sandbox.network, sandbox.pip_install, sandbox.pip_args) == (False, True, ())
    assert sandbox.install_timeout_seconds == 600.0
    assert sandbox.hidden_paths == (tmp_path,)  # the database is in the data directory


def test_auto_takes_bubblewrap_where_it_works(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(mechanism="auto")
    assert (sandbox.mechanism, sandbox.warning) == ("bubblewrap", None)


def test_without_bwrap_auto_falls_back_to_processes_and_says_so(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap there
    sandbox = make_sandbox(mechanism="auto")
    assert sandbox.mechanism == "process"
    assert sandbox.warning.startswith(
        "they run as plain processes (bubblewrap (bwrap) is not installed): without bubblewrap "
        "a tool can read every file"
    )
    assert run(sandbox, "def one() -> int:\n    return 1\n", "one").func_return == 1


def test_required_bubblewrap_that_is_missing_stops_the_start(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        SandboxUnavailable, match="LETTALITE_TOOL_SANDBOX=bubblewrap, but bubblewrap"
    ):
        make_sandbox(mechanism="bubblewrap")
