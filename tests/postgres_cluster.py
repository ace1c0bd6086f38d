"""A throwaway PostgreSQL server whose installation has no pgvector.

pgvector is installed per PostgreSQL installation: its control and SQL files lie in the
installation's share directory (`extension/`), its library (and JIT bitcode) in the library
directory, its headers among the server headers, and the machine's installation has them.
PostgreSQL's binaries (pg_config too) find those directories relative to their own location,
so copies of the binaries under a temporary root, beside links to every share, library and
header file except pgvector's, make an installation without it: `vector` is not in
`pg_available_extensions` and `CREATE EXTENSION vector` fails, as on any server that lacks it.
`install_pgvector()` links pgvector's files in, as installing its package would; building
pgvector with this installation's `pg_config` installs into the temporary root alone (the
folders it writes to are real ones, holding links).

The cluster runs as the `postgres` user when the tests run as root (initdb refuses root), on a
free port of 127.0.0.1 with its socket in the temporary root, and is deleted with it.
"""

import asyncio
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg

from tests.servers import free_port

BINARIES = ("postgres", "initdb", "pg_ctl", "pg_config")
# pgvector's files (and its bitcode and header folders, both named `vector`).
PGVECTOR_FILE = re.compile(r"vector(\.so|\.control|\.index\.bc|--.+\.sql)?")
# Folders pgvector installs into, so mirrored with real folders rather than linked whole.
INSTALL_TARGETS = ("extension", "bitcode")
# Durability is worth nothing in a cluster deleted after the tests.
FAST_SETTINGS = "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"


def installed_bindir() -> Path:
    """The newest PostgreSQL server installation's bin directory (Debian's layout), or the one
    holding the `initdb` on PATH."""
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    initdb = debian[-1] if debian else shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb) on this machine")
    return Path(initdb).parent


def _pg_config(bindir: Path, option: str) -> Path:
    output = subprocess.run(
        [bindir / "pg_config", option], check=True, capture_output=True, text=True
    )
    return Path(output.stdout.strip())


def _mirror_without_pgvector(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.name in INSTALL_TARGETS and entry.is_dir():
            _mirror_without_pgvector(entry, target / entry.name)
        elif not PGVECTOR_FILE.fullmatch(entry.name):
            (target / entry.name).symlink_to(entry)


class ThrowawayPostgres:
    def __init__(self) -> None:
        source_bin = installed_bindir()
        self._source = {
            "bin": source_bin,
            "share": _pg_config(source_bin, "--sharedir"),
            "lib": _pg_config(source_bin, "--pkglibdir"),
            "include": _pg_config(source_bin, "--includedir-server"),
        }
        self.root = Path(tempfile.mkdtemp(prefix="lettalite-pg-"))
        # The compiled-in paths, under the root: relative to each other as the binaries expect.
        self._installed = {k: self.root / str(v).lstrip("/") for k, v in self._source.items()}
        self.port = free_port()
        self._build_installation()

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def pg_config(self) -> Path:
        return self._installed["bin"] / "pg_config"

    def _build_installation(self) -> None:
        self._installed["bin"].mkdir(parents=True)
        for name in BINARIES:  # copies: a binary resolves symlinks to find its installation
            shutil.copy2(self._source["bin"] / name, self._installed["bin"] / name)
        for kind in ("lib", "share", "include"):  # no headers without the -dev package
            if self._source[kind].exists():
                _mirror_without_pgvector(self._source[kind], self._installed[kind])
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)

    def install_pgvector(self) -> None:
        """Make the machine's pgvector available to this server, as installing its package
        would."""
        control = self._source["share"] / "extension" / "vector.control"
        if not control.exists():
            raise RuntimeError(f"no {control} to install: run scripts/install-pgvector first")
        for kind, folder in (("lib", "."), ("lib", "bitcode"), ("share", "extension")):
            for entry in (self._source[kind] / folder).iterdir():
                if PGVECTOR_FILE.fullmatch(entry.name):
                    (self._installed[kind] / folder / entry.name).symlink_to(entry)

    def _run(self, binary: str, *args: str) -> None:
        command = [str(self._installed["bin"] / binary), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            log = self.root / "server.log"
            server_log = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{command} failed:\n{done.stdout}{done.stderr}{server_log}")

    def start(self) -> None:
        data = str(self.root / "data")
        self._run(
            "initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {FAST_SETTINGS}"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "start", "-w", "-D", data, "-l", log, "-o", options)
        if asyncio.run(self.offers_pgvector()):
            raise RuntimeError(f"the PostgreSQL installation in {self.root} still has pgvector")

    async def offers_pgvector(self) -> bool:
        connection = await asyncpg.connect(self.admin_url)
        try:
            return bool(
                await connection.fetchval(
                    "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'"
                )
            )
        finally:
            await connection.close()

    def destroy(self) -> None:
        if (self.root / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-m", "immediate", "-D", str(self.root / "data"))
        shutil.rmtree(self.root)
