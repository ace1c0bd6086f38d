"""Scheduled messages through the official SDK: create, list, retrieve, delete, bad input."""

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from letta_client import Letta, NotFoundError

from tests.factories import create_seed_agent, missing_id

HOUR_MS = 3600 * 1000


def in_ms(seconds: float) -> int:
    return int((time.time() + seconds) * 1000)


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_a_one_time_schedule_round_trips(client: Letta) -> None:
    agent = create_seed_agent(client)
    at = in_ms(3600)
    messages = [{"role": "user", "content": "Generate your daily summary"}]
    created = client.agents.schedule.create(
        agent.id,
        messages=messages,
        schedule={"type": "one-time", "scheduled_at": at},
        max_steps=5,
    )
    assert created.id.startswith("scheduled_message-")
    assert parse(created.next_scheduled_at) == datetime.fromtimestamp(at / 1000, UTC)
    retrieved = client.agents.schedule.retrieve(created.id, agent_id=agent.id)
    assert (retrieved.id, retrieved.agent_id) == (created.id, agent.id)
    assert retrieved.schedule.scheduled_at == at and retrieved.schedule.type == "one-time"
    assert retrieved.next_scheduled_time == created.next_scheduled_at
    [message] = retrieved.message.messages
    assert (message.role, message.content) == ("user", "Generate your daily summary")
    assert retrieved.message.max_steps == 5 and retrieved.message.callback_url is None
    listing = client.agents.schedule.list(agent.id)
    assert [s.id for s in listing.scheduled_messages] == [created.id]
    assert listing.has_next_page is False
    assert client.agents.schedule.delete(created.id, agent_id=agent.id).success is True
    with pytest.raises(NotFoundError):
        client.agents.schedule.retrieve(created.id, agent_id=agent.id)
    with pytest.raises(NotFoundError):
        client.agents.schedule.delete(created.id, agent_id=agent.id)
    assert client.agents.schedule.list(agent.id).scheduled_messages == []


def test_a_recurring_schedule_names_its_next_occurrence(client: Letta) -> None:
    agent = create_seed_agent(client)
    created = client.agents.schedule.create(
        agent.id,
        messages=[{"role": "user", "content": [{"type": "text", "text": "Good morning!"}]}],
        schedule={"type": "recurring", "cron_expression": "0 9 * * *"},
    )
    following = parse(created.next_scheduled_at)
    now = datetime.now(UTC)
    assert (following.hour, following.minute, following.second) == (9, 0, 0)
    assert now < following <= now + timedelta(days=1)
    retrieved = client.agents.schedule.retrieve(created.id, agent_id=agent.id)
    assert retrieved.schedule.type == "recurring"
    assert retrieved.schedule.cron_expression == "0 9 * * *"
    assert retrieved.message.messages[0].content[0].text == "Good morning!"


def test_listing_pages_oldest_first(client: Letta) -> None:
    agent = create_seed_agent(client)
    ids = [
        client.agents.schedule.create(
            agent.id,
            messages=[{"role": "user", "content": f"reminder {n}"}],
            schedule={"type": "one-time", "scheduled_at": in_ms(HOUR_MS / 1000 + n)},
        ).id
        for n in range(3)
    ]
    first = client.agents.schedule.list(agent.id, limit="2")
    assert [s.id for s in first.scheduled_messages] == ids[:2] and first.has_next_page
    rest = client.agents.schedule.list(agent.id, limit="2", after=ids[1])
    assert [s.id for s in rest.scheduled_messages] == ids[2:] and not rest.has_next_page


def test_deleting_the_agent_deletes_its_schedules(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    created = client.agents.schedule.create(
        agent.id,
        messages=[{"role": "user", "content": "later"}],
        schedule={"type": "recurring", "cron_expression": "*/5 * * * *"},
    )
    client.agents.delete(agent.id)
    response = http.get(f"/v1/agents/{agent.id}/schedule/{created.id}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("schedule", "status", "fragment"),
    [
        ({"type": "one-time", "scheduled_at": 1704110400000}, 400, "is not in the future"),
        ({"type": "recurring", "cron_expression": "every day"}, 400, "not a cron expression"),
        ({"type": "recurring", "cron_expression": "0 0 9 * * * 2030"}, 400, "6 with seconds"),
        ({"type": "recurring", "cron_expression": "61 * * * *"}, 400, "'61 * * * *'"),
        ({"type": "recurring"}, 422, "schedule"),
        ({"type": "weekly", "cron_expression": "0 9 * * 1"}, 422, "schedule"),
    ],
)
def test_bad_schedules_are_refused(
    client: Letta, http: httpx.Client, schedule: dict, status: int, fragment: str
) -> None:
    agent = create_seed_agent(client)
    body = {"messages": [{"role": "user", "content": "x"}], "schedule": schedule}
    response = http.post(f"/v1/agents/{agent.id}/schedule", json=body)
    assert response.status_code == status
    assert fragment in response.json()["detail"]
    assert client.agents.schedule.list(agent.id).scheduled_messages == []


def test_bad_requests_are_refused(client: Letta, http: httpx.Client) -> None:
    agent = create_seed_agent(client)
    schedule = {"type": "one-time", "scheduled_at": in_ms(60)}
    unknown = missing_id("agent")
    response = http.post(
        f"/v1/agents/{unknown}/schedule",
        json={"messages": [{"role": "user", "content": "x"}], "schedule": schedule},
    )
    assert response.status_code == 404 and unknown in response.json()["detail"]
    response = http.post(
        f"/v1/agents/{agent.id}/schedule", json={"messages": [], "schedule": schedule}
    )
    assert response.status_code == 422 and "messages" in response.json()["detail"]
    response = http.post(
        f"/v1/agents/{agent.id}/schedule",
        json={
            "messages": [{"role": "user", "content": "x"}],
            "schedule": schedule,
            "callback_url": "http://127.0.0.1:9/hook",
        },
    )
    assert response.status_code == 422 and "callback_url" in response.json()["detail"]
    missing = missing_id("scheduled_message")
    response = http.get(f"/v1/agents/{agent.id}/schedule/{missing}")
    assert response.status_code == 404 and missing in response.json()["detail"]
    assert client.agents.schedule.list(agent.id).scheduled_messages == []
