"""pip requirements: installed once per set from a wheel built here (pip never reaches the
network: --no-index), then importable by the tool."""

import asyncio
import base64
import hashlib
import logging
import time
import zipfile
from pathlib import Path

import pytest

from lettalite.sandbox import SandboxResult, ToolRun
from tests.sandbox.conftest import MakeSandbox, run

PACKAGE = "lettalite_sandbox_probe"
SPEC = "lettalite-sandbox-probe==1.0"
USE_PACKAGE = f"""
def use() -> str:
    import {PACKAGE}
    return {PACKAGE}.GREETING
"""


def build_wheel(directory: Path, version: str = "1.0") -> Path:
    """A minimal pure-Python wheel, written as the wheel format describes it."""
    dist_info = f"{PACKAGE}-{version}.dist-info"
    files = {
        f"{PACKAGE}/__init__.py": f"GREETING = 'hello from {PACKAGE} {version}'\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    records = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        records.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    files[f"{dist_info}/RECORD"] = "\n".join([*records, f"{dist_info}/RECORD,,"]) + "\n"
    wheel = directory / f"{PACKAGE}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    directory = tmp_path / "wheels"
    directory.mkdir()
    build_wheel(directory)
    return directory


def test_requirements_are_installed_once_and_reused(
    make_sandbox: MakeSandbox, wheels: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = make_sandbox(pip_args=("--no-index", "--find-links", str(wheels)))
    job = ToolRun(USE_PACKAGE, "use", {}, pip_requirements=(SPEC,))

    async def first_two_at_once() -> list[SandboxResult]:
        return await asyncio.gather(sandbox.run(job), sandbox.run(job))

    with caplog.at_level(logging.WARNING, logger="lettalite.sandbox"):
        results = asyncio.run(first_two_at_once())
        started = time.monotonic()
        again = asyncio.run(sandbox.run(job))
    reuse_seconds = time.monotonic() - started
    expected = f"hello from {PACKAGE} 1.0"
    assert [result.func_return for result in [*results, again]] == [expected] * 3
    installs = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Installing")]
    assert len(installs) == 1 and SPEC in installs[0]
    assert reuse_seconds < 1.0
    # The calls that waited for the install say so; the one after it does not.
    notes = [r.stderr.startswith(f"lettalite: installed {SPEC} for this tool in ") for r in results]
    assert notes == [True, True] and "lettalite:" not in again.stderr
    installed = [path.name for path in sandbox.settings.packages_dir.iterdir()]
    assert len(installed) == 1 and not installed[0].startswith(".")  # no staging left


def test_a_failed_install_names_the_requirements_and_quotes_pip(
    make_sandbox: MakeSandbox, wheels: Path
) -> None:
    sandbox = make_sandbox(pip_args=("--no-index", "--find-links", str(wheels)))
    missing = "lettalite-sandbox-missing==9.9"
    result = run(sandbox, USE_PACKAGE, "use", pip_requirements=(SPEC, missing))
    assert result.status == "error"
    assert result.error.startswith(f"Installing {missing}, {SPEC} failed (pip exit code 1):")
    assert "No matching distribution found for lettalite-sandbox-missing==9.9" in result.error


def test_installs_can_be_forbidden(make_sandbox: MakeSandbox, wheels: Path) -> None:
    sandbox = make_sandbox(pip_install=False, pip_args=("--no-index", "--find-links", str(wheels)))
    result = run(sandbox, USE_PACKAGE, "use", pip_requirements=(SPEC,))
    assert result.status == "error"
    assert result.error == (
        "Installing tool requirements is disabled (LETTALITE_TOOL_PIP_INSTALL=false); "
        f"not installed: {SPEC}"
    )


@pytest.mark.parametrize(
    "spec", ["--index-url=http://127.0.0.1:9/", "/etc/passwd", "pkg @ file:///x"]
)
def test_requirements_that_are_not_plain_specs_are_refused(
    make_sandbox: MakeSandbox, spec: str
) -> None:
    result = run(make_sandbox(), USE_PACKAGE, "use", pip_requirements=(spec,))
    assert (result.status, result.error) == ("error", f"Invalid pip requirement(s): {spec}")
