"""Where the server's files may lie: a checkout (and so its venv) under /tmp, where the
sandbox mounts its own /tmp, still runs tools."""

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.servers import ROOT

SCRIPT = """
import asyncio, json, sys
from pathlib import Path
from lettalite.sandbox import Sandbox, SandboxSettings, ToolRun

data = Path(sys.argv[1])
settings = SandboxSettings(
    mechanism="bubblewrap", timeout_seconds=10.0, memory_mb=256, max_output_bytes=65536,
    max_processes=32, network=False, max_concurrent=2, pip_install=False, pip_args=(),
    install_timeout_seconds=10.0, packages_dir=data / "packages", hidden_paths=(data,),
)
sandbox = Sandbox(settings)
result = asyncio.run(sandbox.run(ToolRun("def f(x: int):\\n    return x + 1\\n", "f", {"x": 1})))
print(json.dumps([sys.prefix, sandbox.mechanism, result.status, result.func_return]))
"""


def test_a_venv_under_tmp_still_runs_tools_under_bubblewrap(tmp_path: Path) -> None:
    assert str(tmp_path).startswith("/tmp/")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    packages = sysconfig.get_paths()["purelib"]  # this venv's: pydantic and the rest
    env = {"PYTHONPATH": f"{ROOT / 'src'}:{packages}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", SCRIPT, str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    prefix, mechanism, status, value = json.loads(done.stdout.splitlines()[-1])
    assert prefix == str(venv) and mechanism == "bubblewrap"
    assert (status, value) == ("success", 2)
