"""The bubblewrap command line that runs the runner in a sandbox.

The sandbox's root is an empty read-only tmpfs holding read-only binds of what the interpreter
needs (the system directories and the interpreter's prefixes), the runner at RUNNER, a tool's
packages at PACKAGES, a size-limited tmpfs as /tmp (also the working directory), a fresh /proc
and a read-only /dev, and nothing else: no /home, no /root, no /etc (but certificates and name
resolution when the network is on). A path the server must keep to itself that lies under one
of those binds (its data directory inside the interpreter's prefix, say) is covered by an
empty tmpfs.
"""

import os
import sys
from pathlib import Path

RUNNER = "/sandbox/runner.py"
PACKAGES = "/sandbox/packages"
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What name resolution and TLS read, visible only when the sandbox has the network.
NETWORK_PATHS = (
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
    "/etc/host.conf",
    "/etc/ssl/certs",  # not all of /etc/ssl: its private/ holds keys
    "/etc/ssl/openssl.cnf",
    "/etc/ca-certificates",
    "/etc/pki/tls/certs",
    "/etc/pki/ca-trust",
    "/etc/crypto-policies",
)
# The environment the runner starts with (the tool's own comes through its job, not argv,
# where every local user could read it).
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "PYTHONUNBUFFERED": "1",
    "NO_COLOR": "1",
    "TERM": "dumb",
}
Bind = tuple[Path, Path]  # (real source, destination)


def interpreter_roots() -> list[Path]:
    """The directories the running interpreter, its standard library and its venv live in."""
    executable_prefix = Path(os.path.realpath(sys.executable)).parent.parent
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    return [Path(root) for root in sorted(roots)] + [executable_prefix]


def _already_visible(bind: Bind, binds: list[Bind]) -> bool:
    source, destination = bind
    return any(
        destination.is_relative_to(shown)
        and shown_source / destination.relative_to(shown) == source
        for shown_source, shown in binds
    )


def read_only_binds(paths: list[Path]) -> list[Bind]:
    """Each existing path at its own place and, if it goes through a symlink, at its real one."""
    binds: list[Bind] = []
    for path in paths:
        if not path.exists():
            continue
        real = Path(os.path.realpath(path))
        for bind in ((real, real), (real, path)):
            if not _already_visible(bind, binds):
                binds.append(bind)
    return binds


def _directories_for(destination: Path, made: set[Path]) -> list[str]:
    """World-readable parents for a bind (bubblewrap run by root would make them 0700)."""
    args: list[str] = []
    for parent in reversed(destination.parents[:-1]):
        if parent not in made:
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def hiding_mounts(hidden: tuple[Path, ...], binds: list[Bind]) -> list[str]:
    """An empty tmpfs (or /dev/null for a file) over each hidden path that a bind shows."""
    args: list[str] = []
    for path in hidden:
        if not path.exists():
            continue
        real = Path(os.path.realpath(path))
        for source, destination in binds:
            if real.is_relative_to(source):
                covered = str(destination / real.relative_to(source))
                args += (
                    ["--tmpfs", covered] if real.is_dir() else ["--ro-bind", "/dev/null", covered]
                )
    return args


def isolation_flags(*, network: bool, runner_drops_root: bool) -> list[str]:
    """Namespaces. Root's bubblewrap makes no user namespace: in one, uid 0 could not become
    the unprivileged uid the runner switches to (the only uid mapped would be 0)."""
    if runner_drops_root:
        flags = ["--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try"]
        flags += [] if network else ["--unshare-net"]
        return flags + ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    flags = ["--unshare-all", "--unshare-user", "--disable-userns"]
    return flags + (["--share-net"] if network else [])


def bwrap_command(
    bwrap: str,
    *,
    runner: Path,
    packages: Path | None,
    network: bool,
    tmp_bytes: int,
    hidden: tuple[Path, ...],
    runner_drops_root: bool,
) -> list[str]:
    system = [Path(path) for path in SYSTEM_PATHS if os.path.lexists(path)]
    symlinks = [path for path in system if path.is_symlink()]
    extra = [Path(path) for path in NETWORK_PATHS] if network else []
    binds = read_only_binds([p for p in system if p not in symlinks] + interpreter_roots() + extra)
    args = [bwrap, *isolation_flags(network=network, runner_drops_root=runner_drops_root)]
    args += ["--die-with-parent", "--new-session", "--clearenv"]
    for name, value in BASE_ENV.items():
        args += ["--setenv", name, value]
    # /tmp first: the binds that follow may lie under it (a checkout or venv in /tmp), and a
    # tmpfs mounted after them would cover them.
    args += ["--perms", "01777", "--size", str(tmp_bytes), "--tmpfs", "/tmp"]
    made: set[Path] = {Path("/tmp")}
    for link in symlinks:
        args += ["--symlink", os.readlink(link), str(link)]
    for source, destination in binds:
        args += _directories_for(destination, made)
        args += ["--ro-bind", str(source), str(destination)]
    args += hiding_mounts(hidden, binds)
    args += _directories_for(Path(RUNNER), made) + ["--ro-bind", str(runner), RUNNER]
    if packages is not None:
        args += ["--ro-bind", str(packages), PACKAGES]
    args += ["--chdir", "/tmp"]
    # Read-only /dev: in a user namespace its tmpfs (and /dev/shm) would be the tool's to
    # fill, host memory without a size limit. Its device nodes are mounts of their own.
    args += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev", "--remount-ro", "/"]
    return args + [sys.executable, "-I", RUNNER]
