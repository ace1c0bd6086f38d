"""Custom tools' Python, run in separate confined processes (never in the server's).

Each call is one process, started from the server's interpreter with `runner.py`, which sees
its arguments, the environment variables it is given (the agent's secrets) and an
`agent_state`, and nothing of the server's environment. Under both mechanisms it has a
wall-clock timeout, rlimits on memory (address space), CPU time, file size and processes, no
way to gain privileges through exec, output read with a cap, and a process group that is
killed when it ends. When the server runs as root, the runner switches to uid 65534 before
the tool's code runs: the kernel does not limit root's number of processes. (bubblewrap then
runs as root, so that it can bind what only root may read; the uid's process count is shared
by the calls running at once.) If that uid cannot run the interpreter, tools run as root and
`warning` says that a fork bomb then ends only at the timeout (bubblewrap: when the pid
namespace is killed).

- `bubblewrap` (Linux with `bwrap` and namespaces): besides, the tool sees only a read-only
  view of the system directories and the interpreter, a size-limited tmpfs as /tmp, no
  network (unless LETTALITE_TOOL_NETWORK), no other processes, and never the server's data
  directory or database (see bubblewrap.py). Its pid namespace dies with it, children included.
- `process` (no bubblewrap, e.g. macOS, or a container: Docker's default profile forbids the
  namespaces bubblewrap needs, so bwrap is installed but cannot run there): a plain subprocess
  with a cleared environment in a temporary working directory. It can read every file the
  uid it runs as can (when that is the server's: not the server's environment, which the
  server keeps from /proc), and use the network; children that leave its process group
  survive it.

`Sandbox.mechanism` says which one is in use and `Sandbox.warning` what that means.
"""

from lettalite.sandbox.job import SandboxResult, SandboxSettings, ToolRun
from lettalite.sandbox.sandbox import Sandbox, SandboxUnavailable, StartingSandbox

__all__ = [
    "Sandbox",
    "SandboxResult",
    "SandboxSettings",
    "SandboxUnavailable",
    "StartingSandbox",
    "ToolRun",
]
