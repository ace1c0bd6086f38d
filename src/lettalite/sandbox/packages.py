"""Tools' pip requirements, installed once per set into `<packages dir>/<hash of the set>`.

pip runs outside the sandbox (it needs the package index), as the server's Python with
`--only-binary=:all:`: installing a wheel runs none of the package's code, whereas building a
source distribution would run its setup code here. (LETTALITE_TOOL_PIP_ARGS may contain
`--only-binary=:none:` to allow that anyway.) Its environment is the server's reduced to what
configures pip, proxies and certificates. An install is staged in a temporary directory and
renamed into place when complete, so a directory under its final name is always whole, also
when several server processes install the same set at once.
"""

import asyncio
import hashlib
import logging
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from lettalite.sandbox.job import SandboxSettings
from lettalite.sandbox.process import Command, run_process

logger = logging.getLogger("lettalite.sandbox")

# A name with optional extras and version specifiers: nothing pip could read as an option,
# a path or a URL.
REQUIREMENT = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?"
    r"((===|==|!=|~=|>=|<=|>|<)[A-Za-z0-9.*+!_-]+)?(,(===|==|!=|~=|>=|<=|>|<)[A-Za-z0-9.*+!_-]+)*"
)
PIP_OUTPUT_TAIL_BYTES = 4000
PIP_ENVIRONMENT = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR"}
PIP_ENVIRONMENT |= {"REQUESTS_CA_BUNDLE", "NETRC"}
PROXIES = {"http_proxy", "https_proxy", "no_proxy", "all_proxy"}


class InstallFailed(Exception):
    """The tool cannot run: its requirements are not installed. The message says why."""


def pip_environment() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if name in PIP_ENVIRONMENT or name.lower() in PROXIES or name.startswith("PIP_")
    }


class PackageCache:
    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self._installs: dict[str, asyncio.Task[Path]] = {}

    def installed(self, requirements: tuple[str, ...]) -> bool:
        """Whether these requirements are ready (no install would be needed)."""
        return not requirements or self._directory(self._specs(requirements)).is_dir()

    @staticmethod
    def _specs(requirements: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({spec.strip() for spec in requirements}))

    def _directory(self, specs: tuple[str, ...]) -> Path:
        key = hashlib.sha256("\n".join(specs).encode()).hexdigest()[:16]
        return self.settings.packages_dir / key

    async def directory_for(self, requirements: tuple[str, ...]) -> Path | None:
        """The directory holding these requirements, installed first if need be."""
        if not requirements:
            return None
        specs = self._specs(requirements)
        invalid = [spec for spec in specs if not REQUIREMENT.fullmatch(spec)]
        if invalid:
            raise InstallFailed(f"Invalid pip requirement(s): {', '.join(invalid)}")
        directory = self._directory(specs)
        key = directory.name
        if directory.is_dir():
            return directory
        if not self.settings.pip_install:
            raise InstallFailed(
                "Installing tool requirements is disabled (LETTALITE_TOOL_PIP_INSTALL=false); "
                f"not installed: {', '.join(specs)}"
            )
        install = self._installs.get(key)
        if install is None:
            install = asyncio.create_task(self._install(specs, directory))
            self._installs[key] = install
            install.add_done_callback(lambda task: self._forget(key, task))
        # One caller giving up (cancelled) does not stop the install the others wait for.
        return await asyncio.shield(install)

    def _forget(self, key: str, install: asyncio.Task[Path]) -> None:
        del self._installs[key]
        if not install.cancelled():
            install.exception()  # retrieved here too, in case every waiter was cancelled

    async def _install(self, specs: tuple[str, ...], directory: Path) -> Path:
        what = ", ".join(specs)
        timeout = self.settings.install_timeout_seconds
        logger.warning(
            "Installing %s for a custom tool: its first call waits for this (at most %g s; "
            "the tool's own timeout starts afterwards)",
            what,
            timeout,
        )
        try:
            await self._pip_install(specs, directory)
        except OSError as error:
            raise InstallFailed(f"Installing {what} failed: {error}") from error
        logger.warning("Installed %s for custom tools in %s", what, directory)
        return directory

    async def _pip_install(self, specs: tuple[str, ...], directory: Path) -> None:
        timeout = self.settings.install_timeout_seconds
        staging = Path(await asyncio.to_thread(self._make_staging_directory, directory.name))
        try:
            finished = await run_process(
                Command(
                    argv=[sys.executable, "-I", "-m", "pip", "install", "--target", str(staging)]
                    + ["--no-input", "--disable-pip-version-check", "--only-binary=:all:"]
                    + [*self.settings.pip_args, *specs],
                    env=pip_environment(),
                    cwd=staging,
                    stdin=b"",
                    timeout_seconds=timeout,
                    max_output_bytes=PIP_OUTPUT_TAIL_BYTES,
                    keep_tail=True,
                    merge_stderr=True,
                )
            )
            what = ", ".join(specs)
            if finished.timed_out:
                raise InstallFailed(f"Installing {what} did not finish within {timeout:g} seconds")
            if finished.exit_code != 0:
                tail = finished.stdout.decode("utf-8", "replace").strip()
                raise InstallFailed(
                    f"Installing {what} failed (pip exit code {finished.exit_code}):\n{tail}"
                )
            await asyncio.to_thread(_publish, staging, directory)
        finally:
            await asyncio.to_thread(shutil.rmtree, staging, True)

    def _make_staging_directory(self, name: str) -> str:
        self.settings.packages_dir.mkdir(parents=True, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=f".{name}-", dir=self.settings.packages_dir)
        # Readable by the sandbox's unprivileged uid (mkdtemp makes it 0700).
        os.chmod(staging, 0o755)
        return staging


def _publish(staging: Path, directory: Path) -> None:
    try:
        staging.rename(directory)
    except OSError:
        if not directory.is_dir():  # else another process installed the same set first
            raise
