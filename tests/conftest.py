"""Session fixtures: a scripted LLM and a real lettalite server on SQLite or PostgreSQL.

`LETTALITE_TEST_DATABASE=postgres` (with `LETTALITE_TEST_POSTGRES_URL`, an admin URL) runs the
server on a fresh PostgreSQL database that is dropped afterwards; the default is SQLite.
`LETTALITE_TEST_DATABASE=postgres-without-pgvector` runs it on a throwaway PostgreSQL server of
the machine's installation without pgvector (tests/postgres_cluster.py); tests/without_pgvector
runs only then.
"""

import os
from collections.abc import Iterator

import httpx
import pytest
from letta_client import Letta

from tests.postgres_cluster import ThrowawayPostgres
from tests.servers import (
    FakeAnthropic,
    FakeGemini,
    FakeLLM,
    FakeOllama,
    LettaliteServer,
    create_postgres_database,
    drop_postgres_database,
)

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
WITHOUT_PGVECTOR = "postgres-without-pgvector"


def _backend() -> str:
    return os.environ.get("LETTALITE_TEST_DATABASE", "sqlite")


# Tests about a server without pgvector need one: they run with that backend only.
collect_ignore = [] if _backend() == WITHOUT_PGVECTOR else ["without_pgvector"]


@pytest.fixture(scope="session")
def fake_llm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeLLM]:
    llm = FakeLLM(log=tmp_path_factory.mktemp("fake_llm") / "fake_llm.log")
    llm.start()
    yield llm
    llm.stop()


@pytest.fixture(scope="session")
def fake_anthropic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAnthropic]:
    llm = FakeAnthropic(log=tmp_path_factory.mktemp("fake_anthropic") / "fake_anthropic.log")
    llm.start()
    yield llm
    llm.stop()


@pytest.fixture(scope="session")
def fake_gemini(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGemini]:
    llm = FakeGemini(log=tmp_path_factory.mktemp("fake_gemini") / "fake_gemini.log")
    llm.start()
    yield llm
    llm.stop()


@pytest.fixture(scope="session")
def fake_ollama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeOllama]:
    llm = FakeOllama(log=tmp_path_factory.mktemp("fake_ollama") / "fake_ollama.log")
    llm.start()
    yield llm
    llm.stop()


@pytest.fixture(scope="session")
def pgvector_less_postgres() -> Iterator[ThrowawayPostgres]:
    cluster = ThrowawayPostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def postgres_admin_url(request: pytest.FixtureRequest) -> str:
    if _backend() == WITHOUT_PGVECTOR:
        return request.getfixturevalue("pgvector_less_postgres").admin_url
    return os.environ.get("LETTALITE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory, postgres_admin_url: str) -> Iterator:
    """Makes empty databases of the backend under test; PostgreSQL ones are dropped at the end."""
    admin_url = postgres_admin_url
    created: list[str] = []

    def make() -> str:
        if _backend() in ("postgres", WITHOUT_PGVECTOR):
            name, url = create_postgres_database(admin_url)
            created.append(name)
            return url
        path = tmp_path_factory.mktemp("sqlite") / "lettalite.db"
        return f"sqlite+aiosqlite:///{path}"

    yield make
    for name in created:
        drop_postgres_database(admin_url, name)


def serving(
    database_factory, fake_llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory, **env: str | None
) -> Iterator[LettaliteServer]:
    """For fixtures (`yield from`): a server on a fresh database with these extra settings."""
    instance = LettaliteServer(
        database_url=database_factory(),
        llm_base_url=fake_llm.base_url,
        workdir=tmp_path_factory.mktemp("server"),
        extra_env=env,
    )
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def server(
    database_factory, fake_llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LettaliteServer]:
    yield from serving(database_factory, fake_llm, tmp_path_factory)


@pytest.fixture
def start_server(
    database_factory, fake_llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory
) -> Iterator:
    """Starts extra servers, each on its own fresh database, with extra settings."""
    running: list[Iterator[LettaliteServer]] = []

    def start(**env: str | None) -> LettaliteServer:
        running.append(serving(database_factory, fake_llm, tmp_path_factory, **env))
        return next(running[-1])

    yield start
    for server in running:
        next(server, None)  # stops it


@pytest.fixture
def client(server: LettaliteServer) -> Letta:
    """The official Python SDK, validating every response strictly, without silent retries."""
    return Letta(base_url=server.url, _strict_response_validation=True, max_retries=0)


@pytest.fixture
def http(server: LettaliteServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as session:
        yield session
