"""Providers a team adds at run time (`/v1/providers`, BYOK): served beside the environment's
at once, their keys encrypted at rest and never returned, their models listed live."""

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy
from cryptography.fernet import Fernet
from letta_client import Letta
from sqlalchemy.ext.asyncio import create_async_engine

from tests.factories import create_seed_agent
from tests.providers.scenarios import quickstart
from tests.servers import FakeAnthropic, FakeGemini, FakeLLM, LettaliteServer

TEAM_KEY = "sk-ant-team-0123456789abcdef"


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def add_provider(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = http.post("/v1/providers/", json=fields)
    assert response.status_code == 200, response.text
    return response.json()


def add_claude(http: httpx.Client, name: str, fake_anthropic: FakeAnthropic) -> dict[str, Any]:
    return add_provider(
        http,
        name=name,
        provider_type="anthropic",
        api_key=TEAM_KEY,
        base_url=fake_anthropic.base_url,
    )


def sent_keys(fake: FakeAnthropic) -> set[str]:
    """The keys Anthropic was called with (the SDK sends them as `x-api-key` or a bearer)."""
    return {
        r["headers"].get("x-api-key") or r["headers"]["authorization"].removeprefix("Bearer ")
        for r in fake.requests()
        if r["path"] == "/v1/messages"
    }


def test_an_anthropic_key_added_at_run_time_serves_an_agent(
    http: httpx.Client, client: Letta, fake_anthropic: FakeAnthropic
) -> None:
    name = unique("team-claude")
    provider = add_claude(http, name, fake_anthropic)
    assert provider["id"].startswith("provider-")
    assert (provider["provider_category"], provider["last_synced"] is not None) == ("byok", True)
    assert TEAM_KEY not in str(provider) and provider["api_key"] == TEAM_KEY[:4] + "…"
    # Its models, asked of it live, under its own name.
    models = {m.handle: m for m in client.models.list()}
    model = models[f"{name}/claude-sonnet-4-5"]
    assert (model.provider_category, model.provider_type) == ("byok", "anthropic")
    assert model.max_context_window == 200_000
    only_byok = http.get("/v1/models/", params={"provider_category": "byok"}).json()
    assert {m["provider_name"] for m in only_byok} == {
        p["name"] for p in http.get("/v1/providers/").json()
    }

    agent = create_seed_agent(client, model=f"{name}/claude-sonnet-4-5")
    fake_anthropic.clear()
    quickstart(client, agent.id)
    assert sent_keys(fake_anthropic) == {TEAM_KEY}


def test_a_new_key_takes_effect_and_a_deleted_provider_is_gone(
    http: httpx.Client, client: Letta, fake_anthropic: FakeAnthropic
) -> None:
    name = unique("rotating")
    provider = add_claude(http, name, fake_anthropic)
    agent = client.agents.create(model=f"{name}/claude-haiku-4-5")
    rotated = http.patch(
        f"/v1/providers/{provider['id']}",
        json={"api_key": "sk-ant-rotated-9876543210", "base_url": fake_anthropic.base_url},
    )
    assert rotated.status_code == 200 and rotated.json()["api_key"] == "sk-a…"
    fake_anthropic.clear()
    client.agents.messages.create(agent.id, input="Hello!")
    assert sent_keys(fake_anthropic) == {"sk-ant-rotated-9876543210"}

    deleted = http.delete(f"/v1/providers/{provider['id']}")
    assert deleted.json() == {"message": f"Provider id={provider['id']} successfully deleted"}
    assert http.get(f"/v1/providers/{provider['id']}").status_code == 404
    assert not [m for m in client.models.list() if m.provider_name == name]
    refused = http.post("/v1/agents/", json={"model": f"{name}/claude-haiku-4-5"})
    assert refused.status_code == 404
    assert f"provider {name!r} is not configured" in refused.json()["detail"]


def test_an_openai_compatible_type_lists_and_serves_its_models(
    http: httpx.Client, client: Letta, fake_llm: FakeLLM
) -> None:
    name = unique("team-groq")
    add_provider(
        http, name=name, provider_type="groq", api_key="gsk-team", base_url=fake_llm.base_url
    )
    handles = {m.handle for m in client.models.list()}
    assert {f"{name}/gpt-4o-mini", f"{name}/gpt-4o"} <= handles
    embeddings = {m.handle for m in client.models.embeddings.list()}
    assert f"{name}/text-embedding-3-small" in embeddings
    agent = client.agents.create(model=f"{name}/gpt-4o-mini")
    fake_llm.clear()
    response = client.agents.messages.create(agent.id, input="Hello!")
    assert response.stop_reason.stop_reason == "end_turn"
    [call] = [r for r in fake_llm.requests() if r["path"].endswith("/chat/completions")]
    assert call["headers"]["authorization"] == "Bearer gsk-team"


def test_checking_keys(http: httpx.Client, fake_gemini: FakeGemini) -> None:
    good = {
        "provider_type": "google_ai",
        "api_key": "gemini-good",
        "base_url": fake_gemini.base_url,
    }
    assert http.post("/v1/providers/check", json=good).json() == {
        "message": "Valid api key for provider_type=google_ai"
    }
    bad = http.post("/v1/providers/check", json={**good, "api_key": "invalid-key"})
    assert bad.status_code == 400 and "API key not valid" in bad.json()["detail"]
    name = unique("gem")
    provider = add_provider(http, name=name, **{**good, "api_key": "invalid-stored"})
    assert provider["last_synced"] is None  # stored, though its models could not be listed
    stored_check = http.post(f"/v1/providers/{provider['id']}/check")
    assert stored_check.status_code == 400 and name in stored_check.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {"name": "anthropic", "provider_type": "anthropic", "api_key": "k"},
            400,
            "Provider name 'anthropic' conflicts with an existing base provider.",
        ),
        (
            {"name": "bedrock-team", "provider_type": "bedrock", "api_key": "k"},
            400,
            "provider_type 'bedrock' is not supported by lettalite",
        ),
        (
            {"name": "my-vllm", "provider_type": "vllm", "api_key": "k"},
            400,
            "A vllm provider needs a base_url",
        ),
        ({"name": "x", "provider_type": "openai", "api_key": "k", "base_ur": "http://a"}, 422, ""),
        ({"name": "a/b", "provider_type": "openai", "api_key": "k"}, 422, ""),
        ({"name": "nokey", "provider_type": "openai"}, 422, ""),
    ],
)
def test_bad_providers_are_refused_and_nothing_is_stored(
    http: httpx.Client, body: dict, status: int, detail: str
) -> None:
    before = http.get("/v1/providers/").json()
    response = http.post("/v1/providers/", json=body)
    assert response.status_code == status, response.text
    assert detail in str(response.json()["detail"])
    assert http.get("/v1/providers/").json() == before


def test_a_duplicate_name_is_a_conflict(http: httpx.Client, fake_llm: FakeLLM) -> None:
    body = {
        "name": unique("dup"),
        "provider_type": "together",
        "api_key": "k",
        "base_url": fake_llm.base_url,
    }
    add_provider(http, **body)
    again = http.post("/v1/providers/", json=body)
    assert again.status_code == 409 and body["name"] in again.json()["detail"]


async def stored_row(database_url: str, provider_id: str) -> tuple:
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        query = sqlalchemy.text("SELECT * FROM provider WHERE id = :id")
        row = (await connection.execute(query, {"id": provider_id})).one()
    await engine.dispose()
    return tuple(row)


def test_keys_are_encrypted_at_rest_and_never_logged(
    http: httpx.Client, server: LettaliteServer, fake_llm: FakeLLM
) -> None:
    secret = "sk-never-in-clear-" + uuid.uuid4().hex
    provider = add_provider(
        http,
        name=unique("sealed"),
        provider_type="openai",
        api_key=secret,
        base_url=fake_llm.base_url,
    )
    assert secret not in str(asyncio.run(stored_row(server.database_url, provider["id"])))
    assert secret not in server.log.read_text()
    listed = http.get("/v1/providers/", params={"name": provider["name"]}).json()
    assert [p["id"] for p in listed] == [provider["id"]] and secret not in str(listed)


def replica(
    server: LettaliteServer, fake_llm: FakeLLM, workdir: Path, encryption_key: str
) -> LettaliteServer:
    return LettaliteServer(
        server.database_url,
        fake_llm.base_url,
        workdir,
        extra_env={
            "LETTALITE_ENCRYPTION_KEY": encryption_key,
            "LETTALITE_PROVIDER_RELOAD_SECONDS": "0.3",
        },
    )


def test_another_replica_serves_a_provider_added_here(
    server: LettaliteServer, fake_llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Replicas that share LETTALITE_ENCRYPTION_KEY serve each other's providers within the
    reload interval; one with another key leaves the provider out and says why."""
    shared_key = Fernet.generate_key().decode()
    keys = (shared_key, shared_key, Fernet.generate_key().decode())
    replicas = [replica(server, fake_llm, tmp_path_factory.mktemp("replica"), k) for k in keys]
    for started in replicas:
        started.start()
    try:
        first, second, other_key = (httpx.Client(base_url=r.url, timeout=30) for r in replicas)
        name = unique("shared")
        add_provider(
            first, name=name, provider_type="openai", api_key="sk-x", base_url=fake_llm.base_url
        )
        deadline = time.monotonic() + 5
        while f"{name}/gpt-4o" not in {m["handle"] for m in second.get("/v1/models/").json()}:
            assert time.monotonic() < deadline, "the second replica never served the provider"
            time.sleep(0.1)
        agent = second.post("/v1/agents/", json={"model": f"{name}/gpt-4o"}).json()
        answered = second.post(f"/v1/agents/{agent['id']}/messages", json={"input": "Hello!"})
        assert answered.status_code == 200, answered.text

        refused = other_key.post("/v1/agents/", json={"model": f"{name}/gpt-4o"})
        assert refused.status_code == 404
        assert f"Provider '{name}' is not served" in replicas[2].log.read_text()
        assert other_key.get("/v1/providers/", params={"name": name}).json()[0]["api_key"] is None
    finally:
        for started in replicas:
            started.stop()
