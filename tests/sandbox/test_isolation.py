"""What a tool can see of the server: only what it is given."""

import os
import socket
import threading
from pathlib import Path

import pytest

from tests.sandbox.conftest import MakeSandbox, run
from tests.sandbox.unprivileged import run_unprivileged

MECHANISMS = ["bubblewrap", "process"]
READ_ENVIRONMENT = """
    import os

    def environment() -> dict:
        return dict(os.environ)
"""


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_the_tool_sees_its_own_variables_and_none_of_the_servers(
    make_sandbox: MakeSandbox, mechanism: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LETTALITE_API_KEY", "server-key-must-not-leak")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    sandbox = make_sandbox(mechanism=mechanism)
    result = run(sandbox, READ_ENVIRONMENT, "environment", env={"AGENT_SECRET": "given"})
    environment = result.func_return
    assert environment["AGENT_SECRET"] == "given"
    assert "LETTALITE_API_KEY" not in environment and "OPENAI_API_KEY" not in environment
    assert "must-not-leak" not in str(environment)
    assert set(environment) - {"AGENT_SECRET"} <= {
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "PYTHONUNBUFFERED",
        "NO_COLOR",
        "TERM",
        "LC_CTYPE",
    }


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_the_tool_runs_unprivileged_when_the_server_is_root(
    make_sandbox: MakeSandbox, mechanism: str
) -> None:
    source = """
        import os

        def whoami() -> list:
            return [os.getuid(), os.geteuid(), os.getgid(), os.getgroups()]
    """
    result = run(make_sandbox(mechanism=mechanism), source, "whoami")
    if os.geteuid() == 0:
        assert result.func_return == [65534, 65534, 65534, []]
    else:
        assert result.func_return[:2] == [os.getuid(), os.getuid()]


@pytest.mark.parametrize("target", ["database", "data directory"])
def test_the_servers_database_and_data_directory_are_out_of_sight(
    make_sandbox: MakeSandbox, data_dir: Path, target: str
) -> None:
    source = """
        import os

        def peek(path: str) -> object:
            if os.path.isdir(path):
                return os.listdir(path)
            with open(path) as file:
                return file.read()
    """
    path = data_dir / "lettalite.db" if target == "database" else data_dir
    result = run(make_sandbox(), source, "peek", arguments={"path": str(path)})
    assert result.status == "error"
    assert result.error == f"FileNotFoundError: [Errno 2] No such file or directory: '{path}'"


def _some_directory_under_usr_share() -> Path:
    return next(
        entry
        for entry in sorted(Path("/usr/share").iterdir())
        if entry.is_dir() and any(entry.iterdir())
    )


def test_a_hidden_path_inside_a_bound_directory_is_empty(make_sandbox: MakeSandbox) -> None:
    hidden = _some_directory_under_usr_share()
    source = """
        import os

        def look(path: str) -> list:
            return os.listdir(path)
    """
    sandbox = make_sandbox(hidden_paths=(hidden,))
    assert run(sandbox, source, "look", arguments={"path": str(hidden)}).func_return == []
    visible = run(make_sandbox(), source, "look", arguments={"path": str(hidden)})
    assert sorted(visible.func_return) == sorted(os.listdir(hidden))


SCRIBBLE = """
    import os

    def scribble() -> list:
        with open("notes.txt", "w") as file:
            file.write("scratch")
        outcomes = [os.getcwd(), open("/tmp/notes.txt").read()]
        for path in ("/usr/evil", "/evil", "/dev/evil", "/dev/shm/evil"):
            try:
                open(path, "w")
                outcomes.append("wrote " + path)
            except OSError:  # read-only, or not the tool's to write
                outcomes.append("refused")
        return outcomes
"""
# Only /tmp has a size limit: anything else writable would be host memory without one.
ONLY_TMP_WRITTEN = ["/tmp", "scratch", "refused", "refused", "refused", "refused"]


def test_the_tool_cannot_write_outside_its_tmp(make_sandbox: MakeSandbox) -> None:
    result = run(make_sandbox(), SCRIBBLE, "scribble")
    assert result.func_return == ONLY_TMP_WRITTEN


def test_under_a_server_that_is_not_root_the_tool_cannot_write_outside_its_tmp() -> None:
    """Bubblewrap then isolates through a user namespace, where the tool owns the /dev that
    bubblewrap makes."""
    result = run_unprivileged(SCRIBBLE, "scribble")
    assert result["func_return"] == ONLY_TMP_WRITTEN


def test_a_plain_process_tool_cannot_read_the_environment_of_its_server_user() -> None:
    """Without bubblewrap (Docker's default), a tool of a server that is not root runs as the
    server's own user, which may read /proc/<pid>/environ: the provider keys."""
    source = """
        import os

        def peek() -> str:
            try:
                with open(f"/proc/{os.getppid()}/environ", "rb") as file:
                    return "read" if b"PROVIDER_KEY" in file.read() else "not there"
            except OSError as error:
                return type(error).__name__
    """
    result = run_unprivileged(
        source, "peek", mechanism="process", server_env={"PROVIDER_KEY": "sk-secret"}
    )
    assert result["func_return"] == "PermissionError"


CONNECT = """
    import socket

    def connect(port: int) -> str:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            return connection.recv(100).decode()
"""


@pytest.mark.parametrize("network", [False, True])
def test_the_network_is_off_unless_allowed(make_sandbox: MakeSandbox, network: bool) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        listener.settimeout(5)

        def greet() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.sendall(b"hello from the host")

        greeter = threading.Thread(target=greet, daemon=True)
        if network:
            greeter.start()
        result = run(make_sandbox(network=network), CONNECT, "connect", arguments={"port": port})
    if network:
        assert (result.status, result.func_return) == ("success", "hello from the host")
    else:
        assert result.status == "error"
        assert result.error.startswith(("ConnectionRefusedError", "OSError"))


def test_the_tool_sees_no_other_process(make_sandbox: MakeSandbox) -> None:
    source = """
        import os

        def processes() -> list:
            return sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
    """
    result = run(make_sandbox(), source, "processes")
    assert result.func_return == [1, 2]  # bubblewrap's init and the runner
