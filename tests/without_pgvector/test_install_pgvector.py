"""scripts/install-pgvector (which .ci/run runs) against a PostgreSQL server without pgvector:
it fetches pgvector's source from the Debian archive that apt is configured with, checks it,
builds and installs it; it does nothing where pgvector is there, and says what is missing where
apt has no source. It installs into the throwaway server's installation alone (see
tests/postgres_cluster.py), never the machine's."""

import asyncio
import os
import subprocess
from pathlib import Path

import asyncpg

from tests.postgres_cluster import ThrowawayPostgres
from tests.servers import ROOT

SCRIPT = ROOT / "scripts" / "install-pgvector"


def install_pgvector(cluster: ThrowawayPostgres, **env: str) -> subprocess.CompletedProcess[str]:
    server = {
        "PGHOST": "127.0.0.1",
        "PGPORT": str(cluster.port),
        "PGUSER": "postgres",
        "PGDATABASE": "postgres",
        "PG_CONFIG": str(cluster.pg_config),
    }
    return subprocess.run(
        [SCRIPT], env={**os.environ, **server, **env}, capture_output=True, text=True, timeout=600
    )


async def _create_extension(url: str) -> float:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE EXTENSION vector")
        return await connection.fetchval("SELECT '[3,4]'::vector <=> '[6,8]'::vector")
    finally:
        await connection.close()


def test_it_builds_pgvector_from_the_configured_apt_source_once(cluster: ThrowawayPostgres) -> None:
    done = install_pgvector(cluster)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("pgvector: installed 0.8.0 for PostgreSQL ")
    assert asyncio.run(_create_extension(cluster.admin_url)) == 0.0  # same direction
    again = install_pgvector(cluster)
    assert (again.returncode, again.stdout) == (0, "pgvector: already available\n")


def test_without_an_apt_source_it_says_so(cluster: ThrowawayPostgres, tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    config = tmp_path / "apt.conf"
    config.write_text(
        f'Dir::Etc::SourceList "{tmp_path / "sources.list"}";\n'
        f'Dir::Etc::SourceParts "{tmp_path / "sources.list.d"}";\n'
    )
    done = install_pgvector(cluster, APT_CONFIG=str(config))
    assert done.returncode == 1
    assert done.stderr.startswith("pgvector: apt has no package source configured")
    assert not asyncio.run(cluster.offers_pgvector())


def test_the_script_names_no_mirror() -> None:
    assert "://" not in SCRIPT.read_text()
