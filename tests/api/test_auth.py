"""Bearer-key auth: a server started with LETTALITE_API_KEY (or Letta's LETTA_SERVER_PASSWORD)."""

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from letta_client import AuthenticationError, Letta

from lettalite.config import is_loopback
from tests.factories import create_seed_agent
from tests.sdk.scripts import SDK0_PYTHON, SDK_DIR, TS_DIR
from tests.servers import FakeLLM, LettaliteServer, free_port

API_KEY = f"ll-test-{secrets.token_hex(16)}"
AUTH_V0_SCRIPT = SDK_DIR / "auth_v0.py"


def secured_server(
    database_factory, fake_llm: FakeLLM, workdir: Path, keys: dict[str, str]
) -> LettaliteServer:
    return LettaliteServer(
        database_url=database_factory(),
        llm_base_url=fake_llm.base_url,
        workdir=workdir,
        # Debug logging, so that a key leaking into any log line would be caught.
        extra_env={"LETTALITE_LOG_LEVEL": "debug", **keys},
    )


@pytest.fixture(scope="module")
def secured(
    database_factory, fake_llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LettaliteServer]:
    instance = secured_server(
        database_factory,
        fake_llm,
        tmp_path_factory.mktemp("secured"),
        {"LETTALITE_API_KEY": API_KEY},
    )
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def anonymous(secured: LettaliteServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=secured.url, timeout=30) as session:
        yield session


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_unauthorized(response: httpx.Response, *fragments: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["x-should-retry"] == "false"
    assert response.headers["www-authenticate"] == "Bearer"
    detail = response.json()["detail"]
    for fragment in fragments:
        assert fragment in detail, detail
    assert API_KEY not in response.text


def test_missing_header_is_401_saying_what_to_send(anonymous: httpx.Client) -> None:
    assert_unauthorized(anonymous.get("/v1/agents/"), "Missing Authorization header", "Bearer")


def test_wrong_or_malformed_credentials_are_401(anonymous: httpx.Client) -> None:
    assert_unauthorized(anonymous.get("/v1/agents/", headers=bearer("nope")), "Invalid API key")
    assert_unauthorized(
        anonymous.get("/v1/agents/", headers=bearer(API_KEY + "x")), "Invalid API key"
    )
    for header in (f"Basic {API_KEY}", API_KEY, "Bearer"):
        response = anonymous.get("/v1/agents/", headers={"Authorization": header})
        assert_unauthorized(response, "Malformed Authorization header")


def test_right_key_is_served(anonymous: httpx.Client) -> None:
    assert anonymous.get("/v1/agents/", headers=bearer(API_KEY)).status_code == 200
    lowercase_scheme = {"Authorization": f"bearer {API_KEY}"}
    assert anonymous.get("/v1/blocks/", headers=lowercase_scheme).status_code == 200


def test_everything_but_health_needs_the_key(anonymous: httpx.Client) -> None:
    for path in ("/v1/health/", "/v1/health"):
        assert anonymous.get(path, follow_redirects=False).status_code == 200
        assert anonymous.head(path, follow_redirects=False).status_code == 200
    assert anonymous.head("/v1/agents/").status_code == 401
    assert_unauthorized(anonymous.options("/v1/agents/"))
    assert_unauthorized(anonymous.get("/openapi.json"))
    assert_unauthorized(anonymous.get("/v1/no-such-route"))
    assert_unauthorized(anonymous.post("/v1/blocks/", json={"label": "x", "value": "y"}))
    assert_unauthorized(anonymous.delete("/v1/health/"))


def test_openapi_declares_the_bearer_scheme(anonymous: httpx.Client) -> None:
    schema = anonymous.get("/openapi.json", headers=bearer(API_KEY)).json()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert schema["security"] == [{"bearerAuth": []}]
    assert schema["paths"]["/v1/health/"]["get"]["security"] == []
    assert "401" in schema["paths"]["/v1/agents/"]["get"]["responses"]


def test_python_sdk_1x_with_api_key(secured: LettaliteServer) -> None:
    client = Letta(base_url=secured.url, api_key=API_KEY, _strict_response_validation=True)
    block = client.blocks.create(label="sdk1_auth", value="created with api_key=")
    assert client.blocks.retrieve(block.id).value == "created with api_key="


def test_streamed_turn_passes_through_auth(secured: LettaliteServer) -> None:
    client = Letta(base_url=secured.url, api_key=API_KEY, max_retries=0)
    agent = create_seed_agent(client)
    chunks = list(client.agents.messages.create(agent.id, input="Hello!", streaming=True))
    kinds = [chunk.message_type for chunk in chunks]
    assert "assistant_message" in kinds
    assert kinds[-2:] == ["stop_reason", "usage_statistics"]


def test_python_sdk_1x_without_a_key_gets_authentication_error(
    secured: LettaliteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LETTA_API_KEY", raising=False)
    client = Letta(base_url=secured.url, max_retries=0)
    with pytest.raises(AuthenticationError) as refused:
        client.agents.list()
    assert refused.value.status_code == 401
    assert "Missing Authorization header" in str(refused.value)


def test_python_sdk_1x_reads_letta_api_key_from_the_environment(
    secured: LettaliteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LETTA_API_KEY", API_KEY)
    client = Letta(base_url=secured.url, _strict_response_validation=True)
    assert client.blocks.create(label="env_auth", value="from LETTA_API_KEY").label == "env_auth"


def run_sdk0(url: str, token: str) -> subprocess.CompletedProcess[str]:
    assert SDK0_PYTHON.exists(), "run `make test` to create .venv-sdk0 with letta-client 0.1.324"
    return subprocess.run(
        [str(SDK0_PYTHON), str(AUTH_V0_SCRIPT), url, token],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_python_sdk_0x_with_token(secured: LettaliteServer) -> None:
    done = run_sdk0(secured.url, API_KEY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("sdk0_auth: ")
    refused = run_sdk0(secured.url, "wrong-token")
    assert refused.returncode != 0
    assert "401" in refused.stderr and "Invalid API key" in refused.stderr


def test_typescript_sdk_with_api_key(secured: LettaliteServer) -> None:
    assert (TS_DIR / "node_modules" / "@letta-ai").exists(), "run `make test` to npm ci the TS SDK"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LETTA")}
    command = ["node", "auth.mjs", secured.url]
    done = subprocess.run(
        [*command, API_KEY], cwd=TS_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ts_auth"), done.stderr
    refused = subprocess.run(
        [*command, "wrong"], cwd=TS_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0
    assert "401" in refused.stderr and "Invalid API key" in refused.stderr


def test_letta_server_password_alone_enables_auth(
    database_factory, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    password = secrets.token_hex(12)
    server = secured_server(
        database_factory, fake_llm, tmp_path, {"LETTA_SERVER_PASSWORD": password}
    )
    server.start()
    try:
        assert httpx.get(f"{server.url}/v1/agents/").status_code == 401
        assert httpx.get(f"{server.url}/v1/agents/", headers=bearer(password)).status_code == 200
    finally:
        server.stop()
    assert password not in server.log.read_text()


def test_lettalite_api_key_wins_over_letta_server_password(
    database_factory, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    password = secrets.token_hex(12)
    keys = {"LETTALITE_API_KEY": API_KEY, "LETTA_SERVER_PASSWORD": password}
    server = secured_server(database_factory, fake_llm, tmp_path, keys)
    server.start()
    try:
        assert httpx.get(f"{server.url}/v1/agents/", headers=bearer(API_KEY)).status_code == 200
        assert httpx.get(f"{server.url}/v1/agents/", headers=bearer(password)).status_code == 401
    finally:
        server.stop()


def test_the_key_never_appears_in_the_server_log(
    secured: LettaliteServer, anonymous: httpx.Client
) -> None:
    assert anonymous.get("/v1/agents/", headers=bearer(API_KEY)).status_code == 200
    log = secured.log.read_text()
    assert log.strip(), "the debug-level log should not be empty"
    assert API_KEY not in log


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.com", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_refuses_a_public_address_without_a_key(tmp_path: Path) -> None:
    unused_llm = "http://127.0.0.1:9/v1"
    server = LettaliteServer(f"sqlite+aiosqlite:///{tmp_path}/db", unused_llm, tmp_path)
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "lettalite", "serve", "--host", "0.0.0.0", "--port", str(port)],
        cwd=tmp_path,
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=30,  # a server that started serving would not exit: this would time out
    )
    assert done.returncode != 0
    [line] = done.stderr.strip().splitlines()
    assert "refusing to serve on 0.0.0.0 without authentication" in line
    assert "set LETTALITE_API_KEY" in line
    assert not (tmp_path / "db").exists(), "it must stop before migrating"
