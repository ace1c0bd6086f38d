"""A database outage answers 503 and the server recovers when the database is back.

The server reaches PostgreSQL through a TCP proxy in this process; stopping the proxy cuts
every connection and refuses new ones, as a database restart or a network failure does.
"""

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from lettalite.api.errors import is_database_outage
from tests.factories import agent_body
from tests.servers import FakeLLM, LettaliteServer, free_port

needs_postgres = pytest.mark.skipif(
    os.environ.get("LETTALITE_TEST_DATABASE") != "postgres",
    reason="needs a PostgreSQL server to cut off: runs in the PostgreSQL pass of `make test`",
)
UNAVAILABLE = {"detail": "The database is unavailable; retry shortly"}


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target address until stopped; restartable."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._running = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._acceptor: threading.Thread | None = None

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.05)
        self._running.set()
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()

    def stop(self) -> None:
        self._running.clear()
        if self._acceptor is not None:
            self._acceptor.join()
        with self._lock:
            for sock in self._sockets:
                self._close(sock)
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        with listener:
            while self._running.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                client.settimeout(None)
                upstream = socket.create_connection(self.target)
                with self._lock:
                    self._sockets += [client, upstream]
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        self._close(sink)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


@pytest.fixture
def proxied_server(
    database_factory, fake_llm: FakeLLM, tmp_path: Path
) -> Iterator[tuple[LettaliteServer, TcpProxy]]:
    url = make_url(database_factory())
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    server = LettaliteServer(
        database_url=url.set(port=proxy.port).render_as_string(hide_password=False),
        llm_base_url=fake_llm.base_url,
        workdir=tmp_path,
    )
    server.start()
    yield server, proxy
    server.stop()
    proxy.stop()


@needs_postgres
def test_outage_is_503_and_the_server_recovers(
    proxied_server: tuple[LettaliteServer, TcpProxy],
) -> None:
    server, proxy = proxied_server
    http = httpx.Client(base_url=server.url, timeout=30)
    agent = http.post("/v1/agents/", json=agent_body()).json()

    proxy.stop()
    for _ in range(3):  # pooled connections are dead, and new ones are refused
        response = http.get(f"/v1/agents/{agent['id']}")
        assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    response = http.post("/v1/blocks/", json={"label": "during", "value": "outage"})
    assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    assert http.get("/v1/health/").status_code == 200
    assert server.process is not None and server.process.poll() is None

    proxy.start()
    response = http.get(f"/v1/agents/{agent['id']}")
    assert response.status_code == 200, response.text
    assert response.json()["name"] == agent["name"]
    assert http.post("/v1/blocks/", json={"label": "after", "value": "outage"}).status_code == 200

    log = server.log.read_text()
    assert "Database unavailable on GET /v1/agents/" in log
    assert "Unhandled error" not in log


def _raised_from(cause: BaseException) -> DBAPIError:
    try:
        raise DBAPIError("SELECT 1", None, Exception("driver error")) from cause
    except DBAPIError as error:
        return error


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (TimeoutError(), True),
        (OperationalError("SELECT 1", None, Exception("server closed the connection")), True),
        (InterfaceError("SELECT 1", None, Exception("connection is closed")), True),
        (DBAPIError("SELECT 1", None, Exception("lost"), connection_invalidated=True), True),
        (_raised_from(asyncpg.ConnectionDoesNotExistError("connection was closed")), True),
        (_raised_from(asyncpg.CannotConnectNowError("the database system is starting up")), True),
        (DBAPIError("SELECT 1", None, Exception("value out of range")), False),
        (IntegrityError("INSERT", None, Exception("duplicate key")), False),
        (ValueError("a bug"), False),
    ],
)
def test_which_errors_count_as_an_outage(error: BaseException, outage: bool) -> None:
    assert is_database_outage(error) is outage
