"""What the database benchmarks share: sample words, a bench agent, a migrated database."""

import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from lettalite.db.models import AgentRow
from lettalite.db.session import Database
from lettalite.ids import new_id

ROOT = Path(__file__).resolve().parents[1]
WORDS = [
    "apple",
    "banana",
    "cherry",
    "delta",
    "echo",
    "falcon",
    "garden",
    "harbor",
    "island",
    "jungle",
    "kettle",
    "lemon",
    "meadow",
    "nectar",
    "orbit",
    "pepper",
    "quartz",
    "river",
    "saddle",
    "timber",
    "umbrella",
    "violet",
    "walnut",
    "xylophone",
    "yonder",
    "zephyr",
]


def migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "lettalite", "migrate"],
        cwd=ROOT,
        check=True,
        env={"LETTALITE_DATABASE_URL": url, "PATH": ""},
    )


async def add_agent(database: Database, **fields: object) -> str:
    agent_id = new_id("agent")
    async with database.session() as session:
        session.add(
            AgentRow(
                id=agent_id,
                name="bench",
                agent_type="letta_v1_agent",
                system="",
                model="openai/gpt-4o-mini",
                context_window=128000,
                **fields,
            )
        )
    return agent_id


def run_on_database(database_url: str | None, measure: Callable[[str], Awaitable[None]]) -> None:
    """Migrate the database at `database_url` (default: a fresh SQLite file), then measure."""
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        migrate(url)
        asyncio.run(measure(url))
