"""Real processes for the integration tests: the lettalite server and the scripted LLM."""

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(
    url: str,
    process: subprocess.Popen[bytes],
    log: Path,
    timeout: float = STARTUP_TIMEOUT_SECONDS,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not become ready:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    if process.poll() is None:
        process.kill() if kill else process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class FakeLLM:
    """The scripted OpenAI-compatible server of tests/fake_llm, in its own process."""

    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    module = "tests.fake_llm"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module, "--port", str(self.port)],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_until_ready(f"http://127.0.0.1:{self.port}/_requests", self.process, self.log)

    def requests(self) -> list[dict[str, Any]]:
        return httpx.get(f"http://127.0.0.1:{self.port}/_requests").json()

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests() if r["path"].endswith("/chat/completions")]

    def clear(self) -> None:
        httpx.delete(f"http://127.0.0.1:{self.port}/_requests")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


class FakeAnthropic(FakeLLM):
    """The scripted Anthropic Messages API of tests/fake_anthropic, in its own process."""

    module = "tests.fake_anthropic"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"  # the SDK adds /v1/messages

    def messages_requests(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests() if r["path"] == "/v1/messages"]


class FakeGemini(FakeLLM):
    """The scripted Gemini API of tests/fake_gemini, in its own process."""

    module = "tests.fake_gemini"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"  # the provider adds /v1beta/models/...

    def generate_requests(self) -> list[dict[str, Any]]:
        """Bodies of generateContent and streamGenerateContent requests, in order."""
        return [r["body"] for r in self.generate_logged()]

    def generate_logged(self) -> list[dict[str, Any]]:
        """Logged generateContent and streamGenerateContent requests, in order."""
        methods = (":generateContent", ":streamGenerateContent")
        return [r for r in self.requests() if r["path"].endswith(methods)]


class FakeOllama(FakeLLM):
    """The scripted Ollama API of tests/fake_ollama, in its own process."""

    module = "tests.fake_ollama"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"  # Ollama's paths start with /api

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests() if r["path"] == "/api/chat"]


@dataclass
class LettaliteServer:
    """`lettalite serve` on a free port, against one database, restartable."""

    database_url: str
    llm_base_url: str
    workdir: Path
    extra_env: dict[str, str | None] = field(default_factory=dict)  # None: unset
    port: int = field(default_factory=free_port)
    serve_args: tuple[str, ...] = ()  # e.g. ("--workers", "2")
    # What runs `lettalite` (default: this interpreter, `-m lettalite`); e.g. valgrind before
    # the interpreter, which also wants a longer startup_timeout.
    launcher: tuple[str, ...] = ()
    startup_timeout: float = STARTUP_TIMEOUT_SECONDS
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / "server.log"

    def env(self) -> dict[str, str]:
        providers = ("LETTA", "OPENAI_", "ANTHROPIC_", "GEMINI_", "OLLAMA_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(providers)}
        env.update(
            {
                "LETTALITE_DATABASE_URL": self.database_url,
                "LETTALITE_DATA_DIR": str(self.workdir / "data"),
                "LETTALITE_LOG_LEVEL": "warning",
                # One process, whose pid is the server's, unless a test asks for workers.
                "LETTALITE_WORKERS": "1",
                "OPENAI_BASE_URL": self.llm_base_url,
                "OPENAI_API_KEY": "test-key",
            }
        )
        for name, value in self.extra_env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*(self.launcher or (sys.executable, "-m", "lettalite"))]
                + ["serve", "--port", str(self.port), *self.serve_args],
                cwd=self.workdir,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_until_ready(
            f"{self.url}/v1/health/", self.process, self.log, timeout=self.startup_timeout
        )

    def stop(self, *, kill: bool = False) -> None:
        if self.process is not None:
            stop(self.process, kill=kill)

    def restart(self) -> None:
        self.stop()
        self.start()


async def _admin(admin_url: str, statement: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _run_admin(admin_url: str, statement: str) -> None:
    # In a thread of its own: the caller's thread may run an event loop already (Playwright's
    # sync API keeps one running), where asyncio.run refuses to start.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, _admin(admin_url, statement)).result()


def create_postgres_database(admin_url: str) -> tuple[str, str]:
    """A fresh, uniquely named database; returns (its name, its SQLAlchemy URL)."""
    name = f"lettalite_test_{uuid.uuid4().hex[:12]}"
    _run_admin(admin_url, f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return name, f"{base}/{name}"


def drop_postgres_database(admin_url: str, name: str) -> None:
    _run_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
