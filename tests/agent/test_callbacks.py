"""Background runs' callbacks: delivered once, only to allowed destinations, failures told
without connection details."""

import asyncio
import socket
from collections.abc import Iterator

import httpx
import pytest
from letta_client import Letta
from letta_client.types.agents.run import Run
from sqlalchemy import update

from lettalite.agent.callback_destination import CallbackPolicy
from lettalite.agent.callbacks import deliver
from lettalite.db import runs as run_queries
from lettalite.db.base import utcnow
from lettalite.db.models import RunRow
from lettalite.db.session import Database
from tests.agent.test_runs import NAME_REQUEST
from tests.callback_receiver import callback_receiver
from tests.conftest import serving
from tests.factories import create_seed_agent, wait_for
from tests.servers import FakeLLM, LettaliteServer, free_port

UNDELIVERED = "The callback could not be delivered"


@pytest.fixture(scope="module")
def allowing_server(
    database_factory, fake_llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LettaliteServer]:
    """A server that allows callbacks to 127.0.0.0/8 and to the name localhost."""
    allowed = "127.0.0.0/8, localhost"
    yield from serving(
        database_factory, fake_llm, tmp_path_factory, LETTALITE_CALLBACK_ALLOWED_HOSTS=allowed
    )


@pytest.fixture
def allowing(allowing_server: LettaliteServer) -> Letta:
    return Letta(base_url=allowing_server.url, _strict_response_validation=True, max_retries=0)


@pytest.fixture(scope="module")
def agent_id(server: LettaliteServer) -> str:
    """An agent on the shared server, which allows no callback to a non-public address."""
    client = Letta(base_url=server.url, max_retries=0)
    return create_seed_agent(client).id


def called_back(client: Letta, run_id: str) -> Run:
    """The run once the outcome of its callback is recorded."""

    def outcome() -> Run | None:
        run = client.runs.retrieve(run_id)
        return run if run.callback_status_code or run.callback_error else None

    return wait_for(outcome)


def test_async_turn_returns_the_run_at_once_and_calls_back(allowing: Letta) -> None:
    agent = create_seed_agent(allowing)
    with callback_receiver() as receiver:
        run = allowing.agents.messages.create_async(
            agent.id, input="[[sleep 0.5]] " + NAME_REQUEST, callback_url=receiver.url
        )
        assert run.status in ("created", "running") and run.background
        [body] = wait_for(lambda: receiver.bodies)
    assert (body["run_id"], body["status"], body["stop_reason"]) == (
        run.id,
        "completed",
        "end_turn",
    )
    replies = [
        m["content"] for m in body["result"]["messages"] if m["message_type"] == "assistant_message"
    ]
    assert replies == ["Got it! I've updated my memory with your name, Cameron."]
    assert receiver.hosts == [f"127.0.0.1:{receiver.port}"]
    finished = called_back(allowing, run.id)
    assert finished.callback_status_code == 204 and finished.callback_sent_at is not None
    assert finished.callback_error is None
    assert allowing.agents.blocks.retrieve("human", agent_id=agent.id).value.startswith(
        "Name: Cameron"
    )


def test_an_allowed_host_name_is_called_by_its_name(allowing: Letta) -> None:
    agent = create_seed_agent(allowing)
    with callback_receiver() as receiver:
        url = f"http://localhost:{receiver.port}/done"
        run = allowing.agents.messages.create_async(agent.id, input="hi", callback_url=url)
        assert called_back(allowing, run.id).callback_status_code == 204
    assert receiver.hosts == [f"localhost:{receiver.port}"]


def test_an_allowed_name_does_not_allow_its_address_by_another_name(
    allowing: Letta, allowing_server: LettaliteServer
) -> None:
    agent = create_seed_agent(allowing)
    response = httpx.post(
        f"{allowing_server.url}/v1/agents/{agent.id}/messages/async",
        json={"input": "hi", "callback_url": "http://[::1]:8283/done"},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("callback_url: ::1 is a loopback, private")


def test_undelivered_callbacks_say_what_failed_but_not_the_connection_detail(
    allowing: Letta,
) -> None:
    agent = create_seed_agent(allowing)
    closed_port = f"http://127.0.0.1:{free_port()}/done"
    with (
        callback_receiver(status=500) as failing,
        callback_receiver() as elsewhere,
        callback_receiver(status=307, location=elsewhere.url) as redirecting,
    ):
        expected = {
            closed_port: (None, f"{UNDELIVERED} (connection failed)"),
            failing.url: (500, f"{UNDELIVERED} (the receiver answered 500)"),
            redirecting.url: (307, f"{UNDELIVERED} (the receiver answered 307)"),
        }
        for url, outcome in expected.items():
            run = allowing.agents.messages.create_async(agent.id, input="hi", callback_url=url)
            run = called_back(allowing, run.id)
            assert (run.callback_status_code, run.callback_error) == outcome
        assert len(failing.bodies) == len(redirecting.bodies) == 1
        assert elsewhere.bodies == []  # redirects are not followed


NOT_PUBLIC = [
    "http://127.0.0.1:8283/done",
    "http://localhost/done",  # a name that resolves to loopback
    "http://0x7f.0.0.1/done",  # the resolver reads these as 127.0.0.1
    "http://2130706433/done",
    "http://10.1.2.3/done",
    "http://172.16.0.1/done",
    "https://192.168.1.1/done",
    "http://100.64.0.1/done",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0:8283/done",
    "http://224.0.0.1/done",
    "http://240.0.0.1/done",
    "http://[::1]:8283/done",
    "http://[::]/done",
    "http://[::ffff:127.0.0.1]/done",
    "http://[::ffff:169.254.169.254]/done",
    "http://[fe80::1]/done",
    "http://[fc00::1]/done",
    "http://[ff02::1]/done",
]


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_callbacks_to_non_public_addresses_are_refused_at_request_time(
    client: Letta, http: httpx.Client, agent_id: str, url: str
) -> None:
    response = http.post(
        f"/v1/agents/{agent_id}/messages/async", json={"input": "hi", "callback_url": url}
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith("callback_url: ") and "LETTALITE_CALLBACK_ALLOWED_HOSTS" in detail
    assert list(client.runs.list(agent_id=agent_id)) == []


MALFORMED = {
    "http://[::1": "not a valid URL",
    "http://example.com:99999/": "port 99999 is outside 1-65535",
    "http://example.com:0/": "port 0 is outside 1-65535",
    "http://example.com/\r\nX-Injected: 1": "not a valid URL",
    "http://": "the URL has no host",
    "http:///done": "the URL has no host",
    "http://exa mple.com/": "escaped character",
    "http://[fe80::1%25eth0]/": "zone index",
    "ftp://example.com/": "should match pattern",
}


@pytest.mark.parametrize(("url", "problem"), MALFORMED.items())
def test_callback_urls_the_client_could_not_send_to_are_422(
    http: httpx.Client, agent_id: str, url: str, problem: str
) -> None:
    response = http.post(
        f"/v1/agents/{agent_id}/messages/async", json={"input": "hi", "callback_url": url}
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith("callback_url: ") and problem in detail


def test_a_host_name_is_resolved_once_and_the_checked_address_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the name answers an allowed address, then (too late) another one."""
    answers = iter(["127.0.0.1", "127.0.0.2"])
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host: str, port: int, *args: object, **kwargs: object) -> list:
        if host != "rebinding.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    policy = CallbackPolicy.from_entries(["127.0.0.1"])
    with callback_receiver() as receiver:
        url = f"http://rebinding.test:{receiver.port}/done"
        assert asyncio.run(deliver(url, {"run_id": "run-1"}, policy)) == (204, None)
    assert receiver.bodies == [{"run_id": "run-1"}]
    assert receiver.hosts == [f"rebinding.test:{receiver.port}"]
    assert lookups == ["rebinding.test"]


async def _race_replicas(database_url: str, run_id: str) -> tuple[list, list[bool]]:
    """Four replicas fail the same orphaned run at once, then claim its callback at once."""
    replicas = [Database(database_url) for _ in range(4)]

    async def fail(database: Database) -> list:
        async with database.session() as session:
            return await run_queries.fail_orphans(session, [run_id], utcnow(), "stopped")

    async def claim(database: Database) -> bool:
        async with database.session() as session:
            return await run_queries.claim_callback(session, run_id, utcnow())

    try:
        async with replicas[0].session() as session:
            await session.execute(
                update(RunRow).where(RunRow.id == run_id).values(status="running")
            )
        failed = await asyncio.gather(*(fail(database) for database in replicas))
        claimed = await asyncio.gather(*(claim(database) for database in replicas))
    finally:
        for database in replicas:
            await database.dispose()
    return failed, claimed


def test_replicas_sweeping_at_once_fail_a_run_and_claim_its_callback_once(
    start_server,  # noqa: ANN001
) -> None:
    server: LettaliteServer = start_server(LETTALITE_TURN_LEASE_SECONDS="3600")
    client = Letta(base_url=server.url, max_retries=0)
    agent = create_seed_agent(client)
    run_id = client.agents.messages.create(agent.id, input="hi").messages[0].run_id
    failed, claimed = asyncio.run(_race_replicas(server.database_url, run_id))
    assert sorted(len(rows) for rows in failed) == [0, 0, 0, 1]
    assert sorted(claimed) == [False, False, False, True]
    assert client.runs.retrieve(run_id).status == "failed"
