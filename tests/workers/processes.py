"""Which worker process serves a connection, read from /proc (Linux): the server itself says
nothing about its workers. A client pinned to a worker keeps one connection to it."""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.servers import LettaliteServer

PROC = Path("/proc")


def worker_pids(server: LettaliteServer) -> set[int]:
    """The worker processes of a `--workers N` server: its supervisor's spawned children."""
    return spawned_children(server.process.pid)


def spawned_children(supervisor: int) -> set[int]:
    """The processes `supervisor` started with multiprocessing's spawn (uvicorn's workers)."""
    pids = set()
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # it exited meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == supervisor and b"spawn_main" in command:
            pids.add(int(entry.name))
    return pids


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of the TCP connection from `client_port`."""
    for table in ("tcp", "tcp6"):
        for line in (PROC / "net" / table).read_text().splitlines()[1:]:
            columns = line.split()
            local, remote, inode = columns[1], columns[2], columns[9]
            if int(local.rsplit(":", 1)[1], 16) == server_port and (
                int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return inode
    return None


def serving_pid(server: LettaliteServer, pids: set[int], client_port: int) -> int | None:
    """Which of `pids` holds the server's end of the connection from `client_port`."""
    inode = _socket_inode(server.port, client_port)
    for pid in pids:
        try:
            descriptors = list((PROC / str(pid) / "fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def client_port(response: httpx.Response) -> int:
    return response.extensions["network_stream"].get_extra_info("client_addr")[1]


@dataclass
class PinnedClient:
    """An HTTP client whose one keep-alive connection a given worker accepted; `served_by`
    records which worker answered each of its requests."""

    server: LettaliteServer
    pids: set[int]
    http: httpx.Client = field(init=False)
    served_by: list[int | None] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)  # its connection's, request by request

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            base_url=self.server.url,
            timeout=60,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            event_hooks={"response": [self._record]},
        )

    def _record(self, response: httpx.Response) -> None:
        self.ports.append(client_port(response))
        self.served_by.append(serving_pid(self.server, self.pids, self.ports[-1]))

    @property
    def pid(self) -> int | None:
        return self.served_by[0]


def client_per_worker(server: LettaliteServer, count: int = 1) -> dict[int, list[PinnedClient]]:
    """`count` pinned clients for each worker, opening connections until each has them."""
    pids = worker_pids(server)
    pinned: dict[int, list[PinnedClient]] = {pid: [] for pid in pids}
    deadline = time.monotonic() + 30
    while any(len(clients) < count for clients in pinned.values()):
        assert time.monotonic() < deadline, f"connections reached only {pinned}"
        client = PinnedClient(server, pids)
        client.http.get("/v1/health/").raise_for_status()
        if client.pid in pinned and len(pinned[client.pid]) < count:
            pinned[client.pid].append(client)
        else:
            client.http.close()
    return pinned
