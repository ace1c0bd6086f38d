"""Client-side access tokens: issued by the server key, limited to named agents and operations,
refused once expired or deleted, stored only as hashes."""

import asyncio
import hashlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from letta_client import Letta, PermissionDeniedError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from lettalite.api.scopes import ACCESS_BY_ROUTE
from lettalite.app import create_app
from lettalite.config import Settings
from lettalite.db.session import Database
from tests.api.test_database_outage import UNAVAILABLE, TcpProxy, needs_postgres
from tests.conftest import serving
from tests.factories import create_seed_agent, send_json
from tests.servers import FakeLLM, LettaliteServer

SERVER_KEY = f"ll-test-{secrets.token_hex(16)}"
APP_ORIGIN = "https://app.example.com"
TOKENS = "/v1/client-side-access-tokens"
ALL_ACCESS = ["read_messages", "write_messages", "read_agent", "write_agent"]


@pytest.fixture(scope="module")
def secured(
    database_factory, fake_llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LettaliteServer]:
    yield from serving(database_factory, fake_llm, tmp_path_factory, LETTALITE_API_KEY=SERVER_KEY)


@pytest.fixture(scope="module")
def admin(secured: LettaliteServer) -> Letta:
    return Letta(
        base_url=secured.url, api_key=SERVER_KEY, _strict_response_validation=True, max_retries=0
    )


@pytest.fixture(scope="module")
def agents(admin: Letta) -> tuple[str, str]:
    """Two agents: tokens below open the first; the second is another user's."""
    mine = create_seed_agent(admin, name="token_agent", secrets={"SERVICE_KEY": "s3cret"})
    theirs = create_seed_agent(admin, name="other_agent")
    return mine.id, theirs.id


def issue(admin: Letta, agent_id: str, access: list[str], **fields: Any) -> str:
    created = admin.access_tokens.create(
        hostname=APP_ORIGIN,
        policy=[{"type": "agent", "id": agent_id, "access": access}],
        **fields,
    )
    return created.token


def as_token(server: LettaliteServer, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def assert_forbidden(response: httpx.Response, *fragments: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["x-should-retry"] == "false"
    for fragment in fragments:
        assert fragment in response.json()["detail"], response.json()["detail"]


def test_create_answers_letta_shape(admin: Letta, agents: tuple[str, str]) -> None:
    mine, _ = agents
    before = datetime.now(UTC)
    created = admin.access_tokens.create(
        hostname=APP_ORIGIN,
        policy=[{"type": "agent", "id": mine, "access": ["read_messages", "write_messages"]}],
    )
    assert created.token.startswith("token-")
    assert created.hostname == APP_ORIGIN
    assert created.policy.version == "1"
    assert [(item.id, item.access) for item in created.policy.data] == [
        (mine, ["read_messages", "write_messages"])
    ]
    expires_at = datetime.fromisoformat(created.expires_at.replace("Z", "+00:00"))
    assert timedelta(minutes=4) < expires_at - before <= timedelta(minutes=5, seconds=30)


def test_token_opens_its_agent_for_its_operations(
    secured: LettaliteServer, agents: tuple[str, str]
) -> None:
    mine, _ = agents
    admin = Letta(base_url=secured.url, api_key=SERVER_KEY, max_retries=0)
    token = issue(admin, mine, ["read_agent", "read_messages", "write_messages"])
    client = Letta(base_url=secured.url, api_key=token, max_retries=0)
    agent = client.agents.retrieve(mine)
    assert agent.id == mine
    assert agent.secrets == [], "secrets stay with the server key"
    assert admin.agents.retrieve(mine).secrets[0].value == "s3cret"
    assert {block.label for block in client.agents.blocks.list(mine)} == {"persona", "human"}
    reply = client.agents.messages.create(mine, input="Hello from the browser")
    assert any(message.message_type == "assistant_message" for message in reply.messages)
    history = list(client.agents.messages.list(mine))
    assert any(getattr(m, "content", None) == "Hello from the browser" for m in history)
    conversation = client.conversations.create(agent_id=mine)
    assert client.conversations.retrieve(conversation.id).agent_id == mine
    send_json(client, conversation.id, input="In a conversation")
    texts = [
        getattr(m, "content", None) for m in client.conversations.messages.list(conversation.id)
    ]
    assert "In a conversation" in texts
    run = client.runs.retrieve(reply.messages[-1].run_id)
    assert run.agent_id == mine


def test_token_cannot_touch_another_agent(
    secured: LettaliteServer, admin: Letta, agents: tuple[str, str]
) -> None:
    mine, theirs = agents
    their_conversation = admin.conversations.create(agent_id=theirs)
    their_run = admin.agents.messages.create(theirs, input="hi").messages[-1].run_id
    token = issue(admin, mine, ALL_ACCESS)
    with as_token(secured, token) as http:
        assert http.get(f"/v1/agents/{mine}").status_code == 200
        denial = f"does not allow read_agent on agent {theirs}"
        assert_forbidden(http.get(f"/v1/agents/{theirs}"), denial)
        assert_forbidden(http.get(f"/v1/agents/{theirs}/core-memory/blocks"), denial)
        assert_forbidden(http.get(f"/v1/agents/{theirs}/messages"), "read_messages")
        assert_forbidden(http.post(f"/v1/agents/{theirs}/messages", json={"input": "x"}))
        assert_forbidden(http.get(f"/v1/conversations/{their_conversation.id}"), theirs)
        assert_forbidden(http.get(f"/v1/conversations/?agent_id={theirs}"), theirs)
        assert_forbidden(http.get(f"/v1/runs/{their_run}"), theirs)
        default_send = {"agent_id": theirs, "input": "x", "streaming": False}
        assert_forbidden(http.post("/v1/conversations/default/messages", json=default_send))
        # Naming its own agent in one place does not open another named elsewhere.
        both = http.post(
            f"/v1/conversations/{mine}/messages", json={**default_send, "agent_id": theirs}
        )
        assert_forbidden(both, theirs)
        resume_theirs = http.post(f"/v1/conversations/{mine}/stream", json={"run_id": their_run})
        assert_forbidden(resume_theirs, theirs)
        assert_forbidden(http.get("/v1/conversations/"), "must name its agent")


def test_token_cannot_manage_tokens_or_reach_unmapped_routes(
    secured: LettaliteServer, admin: Letta, agents: tuple[str, str]
) -> None:
    mine, _ = agents
    token = issue(admin, mine, ALL_ACCESS)
    body = {
        "hostname": APP_ORIGIN,
        "policy": [{"type": "agent", "id": mine, "access": ["read_agent"]}],
    }
    with as_token(secured, token) as http:
        assert_forbidden(http.post(TOKENS, json=body), "needs the server key")
        assert_forbidden(http.get(TOKENS), "needs the server key")
        assert_forbidden(http.delete(f"{TOKENS}/{token}"), "needs the server key")
        assert_forbidden(http.get("/v1/agents/"), "needs the server key")
        assert_forbidden(http.get(f"/v1/agents/{mine}/secrets"), "needs the server key")
        assert_forbidden(http.delete(f"/v1/agents/{mine}"), "needs the server key")
        assert_forbidden(http.patch(f"/v1/agents/{mine}", json={"name": "x"}))
        assert_forbidden(http.post(f"/v1/agents/{mine}/messages/async", json={"input": "x"}))
        assert_forbidden(http.get("/openapi.json"), "only the /v1 routes")
        assert http.get("/v1/health/").status_code == 200
    client = Letta(base_url=secured.url, api_key=token, max_retries=0)
    with pytest.raises(PermissionDeniedError):
        client.access_tokens.list()


def test_token_cannot_do_what_its_policy_lacks(
    secured: LettaliteServer, admin: Letta, agents: tuple[str, str]
) -> None:
    mine, _ = agents
    reader = issue(admin, mine, ["read_agent", "read_messages"])
    human = {"value": "Name: Browser user"}
    with as_token(secured, reader) as http:
        assert http.get(f"/v1/agents/{mine}/core-memory/blocks/human").status_code == 200
        assert http.get(f"/v1/agents/{mine}/messages").status_code == 200
        refused = http.post(f"/v1/agents/{mine}/messages", json={"input": "x"})
        assert_forbidden(refused, f"does not allow write_messages on agent {mine}")
        patch = http.patch(f"/v1/agents/{mine}/core-memory/blocks/human", json=human)
        assert_forbidden(patch, "write_agent")
        assert_forbidden(http.post(f"/v1/conversations/?agent_id={mine}"), "write_messages")
    sender = issue(admin, mine, ["write_messages", "write_agent"])
    with as_token(secured, sender) as http:
        assert_forbidden(http.get(f"/v1/agents/{mine}/messages"), "read_messages")
        assert_forbidden(http.get(f"/v1/agents/{mine}"), "read_agent")
        patch = http.patch(f"/v1/agents/{mine}/core-memory/blocks/human", json=human)
        assert patch.status_code == 200, patch.text
    assert admin.agents.blocks.retrieve("human", agent_id=mine).value == "Name: Browser user"


def test_token_stops_working_when_it_expires(
    secured: LettaliteServer, admin: Letta, agents: tuple[str, str]
) -> None:
    mine, _ = agents
    # Far enough ahead that issuing it on a loaded machine cannot take longer (3 s once did).
    expires_at = datetime.now(UTC) + timedelta(seconds=8)
    token = issue(admin, mine, ["read_agent"], expires_at=expires_at.isoformat())
    with as_token(secured, token) as http:
        assert http.get(f"/v1/agents/{mine}").status_code == 200
        deadline = expires_at + timedelta(seconds=15)
        while (refused := http.get(f"/v1/agents/{mine}")).status_code == 200:
            assert datetime.now(UTC) < deadline, "the token outlived its expiry"
        assert refused.status_code == 401
        assert "expired" in refused.json()["detail"]
    assert token.partition(".")[0] not in {t.token for t in admin.access_tokens.list().tokens}


def test_token_stops_working_when_deleted(
    secured: LettaliteServer, admin: Letta, agents: tuple[str, str]
) -> None:
    mine, _ = agents
    by_token, by_id = issue(admin, mine, ["read_agent"]), issue(admin, mine, ["read_agent"])
    listed = {t.token for t in admin.access_tokens.list(agent_id=mine, limit=1000).tokens}
    token_id = by_id.partition(".")[0]
    assert token_id in listed and by_id not in listed, "the list shows ids, never tokens"
    # Not strict: the answer is Letta's 204 without a body, which strict mode refuses.
    lenient = Letta(base_url=secured.url, api_key=SERVER_KEY, max_retries=0)
    lenient.access_tokens.delete(by_token)
    lenient.access_tokens.delete(token_id)
    for token in (by_token, by_id):
        with as_token(secured, token) as http:
            refused = http.get(f"/v1/agents/{mine}")
            assert refused.status_code == 401
            assert "deleted" in refused.json()["detail"]
    with httpx.Client(base_url=secured.url, headers={"Authorization": f"Bearer {SERVER_KEY}"}) as h:
        assert h.delete(f"{TOKENS}/{token_id}").status_code == 404


def test_list_filters_by_agent_and_pages(admin: Letta, agents: tuple[str, str]) -> None:
    mine, theirs = agents
    issued = [issue(admin, theirs, ["read_agent"]) for _ in range(3)]
    theirs_listed = admin.access_tokens.list(agent_id=theirs, limit=2)
    assert theirs_listed.has_next_page
    rest = admin.access_tokens.list(agent_id=theirs, limit=2, offset=2)
    assert not rest.has_next_page
    ids = [t.token for t in [*theirs_listed.tokens, *rest.tokens]]
    assert ids == [token.partition(".")[0] for token in issued]
    assert all(t.policy.data[0].id == theirs for t in theirs_listed.tokens)
    assert mine not in {t.policy.data[0].id for t in rest.tokens}


def test_tokens_are_stored_hashed(secured: LettaliteServer, admin: Letta, agents) -> None:
    token = issue(admin, agents[0], ["read_agent"])
    token_id, _, secret = token.partition(".")

    async def stored() -> list[Any]:
        database = Database(secured.database_url)
        try:
            async with database.session() as session:
                rows = await session.execute(
                    text("SELECT * FROM access_token WHERE id = :id"), {"id": token_id}
                )
                return list(rows.one())
        finally:
            await database.dispose()

    row = asyncio.run(stored())
    assert hashlib.sha256(token.encode()).hexdigest() in row
    assert not any(secret in str(value) for value in row)


def test_token_is_refused_from_another_origin(
    secured: LettaliteServer, admin: Letta, agents: tuple[str, str]
) -> None:
    mine, _ = agents
    token = issue(admin, mine, ["read_agent"])
    with as_token(secured, token) as http:
        for origin in (APP_ORIGIN, "HTTPS://App.Example.com:443"):
            assert http.get(f"/v1/agents/{mine}", headers={"Origin": origin}).status_code == 200
        refused = http.get(f"/v1/agents/{mine}", headers={"Origin": "https://evil.example"})
        assert_forbidden(refused, APP_ORIGIN, "https://evil.example")


def test_creating_needs_existing_agents_and_a_future_expiry(
    secured: LettaliteServer, agents: tuple[str, str]
) -> None:
    mine, _ = agents
    missing = "agent-00000000-0000-4000-8000-000000000000"
    with httpx.Client(base_url=secured.url, headers={"Authorization": f"Bearer {SERVER_KEY}"}) as h:
        unknown = h.post(
            TOKENS,
            json={
                "hostname": APP_ORIGIN,
                "policy": [{"type": "agent", "id": missing, "access": ["read_agent"]}],
            },
        )
        assert unknown.status_code == 404 and missing in unknown.json()["detail"]
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        policy = [{"type": "agent", "id": mine, "access": ["read_agent"]}]
        expired = h.post(
            TOKENS, json={"hostname": APP_ORIGIN, "policy": policy, "expires_at": past}
        )
        assert expired.status_code == 400 and "expires_at" in expired.json()["detail"]
        no_scheme = h.post(TOKENS, json={"hostname": "app.example.com", "policy": policy})
        assert no_scheme.status_code == 422 and "hostname" in no_scheme.json()["detail"]
        bad_access = [{"type": "agent", "id": mine, "access": ["admin"]}]
        assert (
            h.post(TOKENS, json={"hostname": APP_ORIGIN, "policy": bad_access}).status_code == 422
        )


def test_server_without_a_key_issues_no_tokens(http: httpx.Client) -> None:
    agent = http.post("/v1/agents/", json={"name": "keyless", "model": "openai/gpt-4o-mini"}).json()
    policy = [{"type": "agent", "id": agent["id"], "access": ["read_agent"]}]
    refused = http.post(TOKENS, json={"hostname": APP_ORIGIN, "policy": policy})
    assert refused.status_code == 400
    assert "LETTALITE_API_KEY" in refused.json()["detail"]


def test_every_mapped_route_exists(tmp_path: Path) -> None:
    settings = Settings(LETTALITE_API_KEY="k", LETTALITE_DATA_DIR=str(tmp_path))
    paths = create_app(settings).openapi()["paths"]
    served = {(method.upper(), path.rstrip("/")) for path, ops in paths.items() for method in ops}
    assert set(ACCESS_BY_ROUTE) <= served, set(ACCESS_BY_ROUTE) - served


@needs_postgres
def test_outage_is_503_for_tokens_and_costs_the_server_key_nothing(
    database_factory, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    url = make_url(database_factory())
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    server = LettaliteServer(
        database_url=url.set(port=proxy.port).render_as_string(hide_password=False),
        llm_base_url=fake_llm.base_url,
        workdir=tmp_path,
        extra_env={"LETTALITE_API_KEY": SERVER_KEY},
    )
    server.start()
    try:
        admin = Letta(base_url=server.url, api_key=SERVER_KEY, max_retries=0)
        agent = create_seed_agent(admin)
        token = issue(admin, agent.id, ["read_agent"])
        proxy.stop()
        with as_token(server, token) as http:
            refused = http.get(f"/v1/agents/{agent.id}")
            assert (refused.status_code, refused.json()) == (503, UNAVAILABLE)
        # The server key is checked without the database: a route that needs none is served.
        assert [model.handle for model in admin.models.list()]
        proxy.start()
        with as_token(server, token) as http:
            assert http.get(f"/v1/agents/{agent.id}").status_code == 200
    finally:
        server.stop()
        proxy.stop()
    assert "Unhandled error" not in server.log.read_text()
