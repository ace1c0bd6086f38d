"""Migrations: the code's expected head is Alembic's head, and every revision is reversible."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from lettalite.db.schema import HEAD_REVISION, current_revision
from tests.servers import ROOT


def alembic(database_url: str, *args: str) -> None:
    env = {**os.environ, "LETTALITE_DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def test_expected_head_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))
    assert script.get_heads() == [HEAD_REVISION]


def test_upgrade_downgrade_upgrade(tmp_path: Path, database_factory) -> None:
    url = database_factory()
    assert asyncio.run(current_revision(url)) is None
    alembic(url, "upgrade", "head")
    assert asyncio.run(current_revision(url)) == HEAD_REVISION
    alembic(url, "downgrade", "base")
    assert asyncio.run(current_revision(url)) is None
    alembic(url, "upgrade", "head")
    assert asyncio.run(current_revision(url)) == HEAD_REVISION
