"""MCP servers for the tests: the demo server of demo_server.py over streamable HTTP, as a
process the test controls (stop, start again on the same port)."""

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.servers import free_port, stop

DEMO_SERVER = Path(__file__).with_name("demo_server.py")


def unique_prefix() -> str:
    return f"m{uuid.uuid4().hex[:8]}"


@dataclass
class HttpMcpServer:
    log: Path
    transport: str = "http"  # or "sse"
    prefix: str = field(default_factory=unique_prefix)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{'sse' if self.transport == 'sse' else 'mcp'}"

    def tool(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def start(self) -> None:
        command = [sys.executable, str(DEMO_SERVER), self.transport, self.prefix, str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the MCP demo server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, kill=True)
            self.process = None


@pytest.fixture
def http_mcp(tmp_path: Path) -> Iterator[HttpMcpServer]:
    server = HttpMcpServer(log=tmp_path / "mcp.log")
    server.start()
    yield server
    server.stop()
