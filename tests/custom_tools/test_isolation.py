"""Custom tool code is untrusted: what it cannot see, and how misbehaving tools end — each as a
tool error the model reads, while the server keeps answering `GET /v1/health/` quickly."""

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import serving
from tests.custom_tools.sources import source, unique
from tests.factories import agent_body
from tests.factories import call_directive as call
from tests.servers import LettaliteServer

# Latency is measured: `make test` runs these alone, not beside other tests' load.
pytestmark = pytest.mark.serial
TIMEOUT_SECONDS = 2
# A server that waited on the tool would answer after the tool's whole timeout (2 s). A fork bomb
# takes both cores of a small machine for a moment, so the OS may delay one answer by a few
# hundred milliseconds: that is scheduling, not the server waiting.
HEALTH_BUDGET_SECONDS = 0.5


@pytest.fixture(scope="module")
def sandboxed(database_factory, fake_llm, tmp_path_factory) -> Iterator[LettaliteServer]:
    for server in serving(
        database_factory,
        fake_llm,
        tmp_path_factory,
        LETTALITE_TOOL_TIMEOUT_SECONDS=str(TIMEOUT_SECONDS),
        LETTALITE_TOOL_MEMORY_MB="256",
    ):
        # A first turn compiles queries and fills caches; what is measured is the steady state.
        result, shown = call_tool(server, "return 'warm'", check_health=False)
        assert shown == "warm"
        yield server


class HealthWatch:
    """Polls the health endpoint from another thread, recording each answer's latency."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> "HealthWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        with httpx.Client(base_url=self.url) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                assert client.get("/v1/health/").status_code == 200
                self.latencies.append(time.perf_counter() - started)
                time.sleep(0.05)


def call_tool(
    server: LettaliteServer,
    body: str,
    params: str = "",
    args: dict | None = None,
    check_health: bool = True,
):
    """Create a tool with this body, attach it to a new agent, have the model call it; returns
    the tool return message and the text the model read, having checked that the health
    endpoint answered quickly meanwhile."""
    name = unique("tool")
    doc = "\n".join(f"{p.split(':')[0]}: an argument" for p in params.split(",") if p)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        response = http.post(
            "/v1/tools/", json={"source_code": source(name, body, params=params, doc_args=doc)}
        )
        assert response.status_code == 200, response.text
        agent = http.post("/v1/agents/", json=agent_body(tool_ids=[response.json()["id"]]))
        with HealthWatch(server.url) as watch:
            sent = http.post(
                f"/v1/agents/{agent.json()['id']}/messages",
                json={"input": call(name, **(args or {}))},
            )
        assert sent.status_code == 200, sent.text
        messages = sent.json()["messages"]
        [result] = [m for m in messages if m["message_type"] == "tool_return_message"]
        assert http.get("/v1/health/").status_code == 200
    assert watch.latencies, "the health endpoint was not polled"
    assert not check_health or max(watch.latencies) < HEALTH_BUDGET_SECONDS, watch.latencies
    return result, result["tool_return"]


def test_a_tool_reads_no_server_environment(sandboxed: LettaliteServer) -> None:
    result, shown = call_tool(sandboxed, "import os\nreturn sorted(os.environ)")
    assert result["status"] == "success"
    names = json.loads(shown)
    assert not [n for n in names if n.startswith(("LETTALITE", "OPENAI", "PG", "DATABASE"))]


def test_a_tool_cannot_open_the_database_or_the_data_directory(
    sandboxed: LettaliteServer,
) -> None:
    data_dir = sandboxed.workdir / "data"
    data_dir.mkdir(exist_ok=True)
    (data_dir / "server-file.txt").write_text("private")
    targets = [str(data_dir), str(data_dir / "server-file.txt")]
    if sandboxed.database_url.startswith("sqlite"):
        targets.append(sandboxed.database_url.split("///", 1)[1])
    assert all(Path(target).exists() for target in targets)
    body = """
    import os
    seen = []
    for path in paths:
        try:
            seen.append(os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(16))
        except OSError as error:
            seen.append(type(error).__name__)
    return [s if isinstance(s, str) else "READ" for s in seen]
    """
    result, shown = call_tool(sandboxed, body, params="paths: list", args={"paths": targets})
    assert result["status"] == "success"
    assert "READ" not in json.loads(shown)


def test_a_tool_that_sleeps_past_the_timeout_ends_as_an_error(
    sandboxed: LettaliteServer,
) -> None:
    started = time.monotonic()
    result, shown = call_tool(sandboxed, "import time\ntime.sleep(60)")
    assert result["status"] == "error" and "timed out" in shown
    assert time.monotonic() - started < TIMEOUT_SECONDS + 10


def test_a_tool_that_allocates_past_the_memory_limit_ends_as_an_error(
    sandboxed: LettaliteServer,
) -> None:
    result, shown = call_tool(sandboxed, "block = bytearray(1024 * 1024 * 1024)\nreturn 1")
    assert result["status"] == "error" and "MemoryError" in shown


def test_a_fork_bomb_ends_as_an_error(sandboxed: LettaliteServer) -> None:
    body = """
    import os
    while True:
        os.fork()
    """
    result, _ = call_tool(sandboxed, body)
    assert result["status"] == "error"


def test_fifty_megabytes_of_output_end_as_an_error(sandboxed: LettaliteServer) -> None:
    body = """
    import sys
    chunk = "x" * 1024 * 1024
    for _ in range(50):
        sys.stdout.write(chunk)
    return "finished"
    """
    result, shown = call_tool(sandboxed, body)
    assert result["status"] == "error" and "printed more than 1048576 bytes" in shown
    assert sum(len(s) for s in result["stdout"] or []) <= 2 * 1024 * 1024
