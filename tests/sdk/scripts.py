"""Running the SDK scripts in tests/sdk: the 0.x Python SDK's venv and the TypeScript SDK."""

import os
import subprocess
from pathlib import Path

from tests.servers import ROOT

SDK_DIR = Path(__file__).parent
SDK0_PYTHON = ROOT / ".venv-sdk0" / "bin" / "python"
TS_DIR = SDK_DIR / "ts"


def run_script(command: list[str], cwd: Path) -> list[str]:
    """Run a script to completion and return its output lines; fails the test if it fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LETTA")}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout.splitlines()
