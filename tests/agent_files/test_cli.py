"""`lettalite export AGENT_ID > agent.af` and `lettalite import agent.af` against running
servers, as a user runs them."""

import json
import os
import subprocess
import sys
from pathlib import Path

from letta_client import Letta

from tests.agent_files.helpers import populated_agent
from tests.servers import LettaliteServer


def lettalite(*args: str, server: LettaliteServer, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lettalite", *args],
        env={**os.environ, "LETTA_BASE_URL": server.url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_export_to_a_file_then_import_it_on_another_server(
    client: Letta, server: LettaliteServer, start_server, tmp_path: Path
) -> None:
    agent_id = populated_agent(client, name="cli_agent")
    exported = lettalite("export", agent_id, server=server)
    assert exported.returncode == 0, exported.stderr
    path = tmp_path / "agent.af"
    path.write_text(exported.stdout)
    assert json.loads(exported.stdout)["agents"][0]["name"] == "cli_agent"

    other = start_server(LETTALITE_API_KEY="cli-key")
    imported = lettalite(
        "import", str(path), "--name", "moved", server=other, LETTALITE_API_KEY="cli-key"
    )
    assert imported.returncode == 0, imported.stderr
    [new_id] = imported.stdout.split()
    fresh = Letta(base_url=other.url, api_key="cli-key", max_retries=0)
    agent = fresh.agents.retrieve(new_id)
    assert agent.name == "moved"
    assert "Cameron" in next(b.value for b in agent.memory.blocks if b.label == "human")


def test_import_from_standard_input_and_errors(server: LettaliteServer, tmp_path: Path) -> None:
    missing = lettalite("export", "agent-00000000-0000-4000-8000-000000000000", server=server)
    assert missing.returncode == 1 and "404" in missing.stderr and missing.stdout == ""
    bad = tmp_path / "bad.af"
    bad.write_text("not json")
    refused = lettalite("import", str(bad), server=server)
    assert refused.returncode == 1
    assert "400: Corrupted agent file format." in refused.stderr
    legacy = (Path(__file__).parent / "fixtures" / "letta_0x_legacy.af").read_text()
    piped = subprocess.run(
        [sys.executable, "-m", "lettalite", "import", "-", "--no-copy-suffix"],
        env={**os.environ, "LETTA_BASE_URL": server.url},
        input=legacy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith("agent-")
