"""One tool call in a sandbox made by a server that is not root (as uid 65534 when the tests
run as root): bubblewrap then isolates through a user namespace, which a root server never
uses, and plain processes run as the server's own user. Run as
`python -m tests.sandbox.unprivileged`: a JSON job on stdin, the result as JSON on stdout."""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tests.servers import ROOT

UNPRIVILEGED_UID = 65534


def run_unprivileged(
    source: str,
    function: str,
    *,
    mechanism: str = "bubblewrap",
    server_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The call's SandboxResult, as a dict; `server_env` is added to the server's environment."""
    command = [sys.executable, "-m", "tests.sandbox.unprivileged"]
    if os.geteuid() == 0:
        uid = str(UNPRIVILEGED_UID)
        command = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *command]
    job = {"source": textwrap.dedent(source), "function": function, "mechanism": mechanism}
    done = subprocess.run(
        command,
        input=json.dumps(job).encode(),
        capture_output=True,
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT / "src"), **(server_env or {})},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def main() -> None:
    from lettalite.sandbox import Sandbox, SandboxSettings, ToolRun

    job = json.load(sys.stdin)
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        settings = SandboxSettings(
            mechanism=job["mechanism"],
            timeout_seconds=10.0,
            memory_mb=256,
            max_output_bytes=64 * 1024,
            max_processes=32,
            network=False,
            max_concurrent=1,
            pip_install=False,
            pip_args=(),
            install_timeout_seconds=10.0,
            packages_dir=data / "tool-packages",
            hidden_paths=(data,),
        )
        call = ToolRun(job["source"], job["function"], {})
        result = asyncio.run(Sandbox(settings).run(call))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
