"""FastAPI's own OpenTelemetry for each request: off unless LETTALITE_OPENTELEMETRY asks for it.

The server runs with a global tracer provider (the OpenTelemetry API's, as an installed SDK or
`opentelemetry-instrument` would set one) that writes each span's name to a file.
"""

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import FakeLLM, LettaliteServer

# `lettalite` with a global tracer provider that records span names, one per line.
RECORDING_SERVE = """
import sys
from contextlib import contextmanager
from opentelemetry import trace
from lettalite.cli import main

SPANS = open(sys.argv.pop(1), "a", buffering=1)

class RecordingTracer(trace.Tracer):
    def start_span(self, name, *args, **kwargs):
        SPANS.write(name + "\\n")
        return trace.INVALID_SPAN

    @contextmanager
    def start_as_current_span(self, name, *args, **kwargs):
        yield self.start_span(name)

class RecordingProvider(trace.TracerProvider):
    def get_tracer(self, *args, **kwargs):
        return RecordingTracer()

trace.set_tracer_provider(RecordingProvider())
main()
"""


@pytest.fixture
def recorded_server(
    database_factory, fake_llm: FakeLLM, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[LettaliteServer, Path]]:
    spans = tmp_path / "spans.txt"
    spans.touch()
    server = LettaliteServer(
        database_factory(),
        fake_llm.base_url,
        tmp_path / "server",
        extra_env={"LETTALITE_OPENTELEMETRY": request.param},
        launcher=(sys.executable, "-c", RECORDING_SERVE, str(spans)),
    )
    server.start()
    try:
        yield server, spans
    finally:
        server.stop()


@pytest.mark.parametrize("recorded_server", [None], indirect=True)
def test_requests_make_no_spans_by_default(recorded_server: tuple[LettaliteServer, Path]) -> None:
    server, spans = recorded_server
    assert httpx.get(f"{server.url}/v1/tools/", timeout=30).status_code == 200
    assert spans.read_text() == ""


@pytest.mark.parametrize("recorded_server", ["true"], indirect=True)
def test_requests_make_spans_when_asked(recorded_server: tuple[LettaliteServer, Path]) -> None:
    server, spans = recorded_server
    assert httpx.get(f"{server.url}/v1/tools/", timeout=30).status_code == 200
    assert {"GET", "fastapi.endpoint"} <= set(spans.read_text().splitlines())
