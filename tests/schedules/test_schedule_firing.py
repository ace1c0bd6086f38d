"""Two replicas on one database fire each occurrence of a schedule once, on time."""

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from letta_client import Letta, NotFoundError

from tests.factories import create_seed_agent, wait_for
from tests.fake_llm.script import ECHO_PREFIX
from tests.servers import LettaliteServer, free_port

ON_TIME_SECONDS = 1.0  # a schedule fires within this of its time


@pytest.fixture
def replicas(start_server, tmp_path: Path) -> Iterator[list[LettaliteServer]]:  # noqa: ANN001
    """Two servers on the same database (SQLite file or PostgreSQL), both scheduling."""
    first: LettaliteServer = start_server()
    second = replace(first, workdir=tmp_path / "replica", port=free_port(), process=None)
    second.start()
    try:
        yield [first, second]
    finally:
        second.stop()


def sdk(server: LettaliteServer) -> Letta:
    return Letta(base_url=server.url, _strict_response_validation=True, max_retries=0)


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def scheduled_time(run) -> float:  # noqa: ANN001
    return parse(run.metadata["scheduled_time"]).timestamp()


def user_texts(client: Letta, agent_id: str) -> list[str]:
    messages = client.agents.messages.list(agent_id, order="asc", limit=1000)
    return [m.content for m in messages if m.message_type == "user_message"]


def finished_runs(client: Letta, agent_id: str) -> list:
    runs = list(client.runs.list(agent_id=agent_id, order="asc", limit=1000))
    return runs if runs and all(run.status == "completed" for run in runs) else []


def test_a_one_time_schedule_fires_once_within_a_second(
    replicas: list[LettaliteServer],
) -> None:
    first, second = (sdk(server) for server in replicas)
    agent = create_seed_agent(first)
    due_at = time.time() + 5  # creating it stays before its time on a loaded machine
    created = second.agents.schedule.create(
        agent.id,
        messages=[{"role": "user", "content": "scheduled hello"}],
        schedule={"type": "one-time", "scheduled_at": int(due_at * 1000)},
    )
    [run] = wait_for(lambda: finished_runs(first, agent.id), timeout=15)
    late = run.created_at.timestamp() - due_at
    assert 0 <= late < ON_TIME_SECONDS, late
    assert run.background is True and run.metadata["scheduled_message_id"] == created.id
    assert abs(scheduled_time(run) - due_at) < 0.001
    time.sleep(1.5)  # both replicas keep looking meanwhile: a second firing would show
    assert len(list(first.runs.list(agent_id=agent.id))) == 1
    assert user_texts(first, agent.id) == ["scheduled hello"]
    run_messages = first.runs.messages.list(run.id)
    assert [m.content for m in run_messages if m.message_type == "assistant_message"] == [
        ECHO_PREFIX + "scheduled hello"
    ]
    with pytest.raises(NotFoundError):  # a fired one-time schedule is removed
        first.agents.schedule.retrieve(created.id, agent_id=agent.id)


def test_a_recurring_schedule_fires_once_per_occurrence(
    replicas: list[LettaliteServer],
) -> None:
    first, second = (sdk(server) for server in replicas)
    agent = create_seed_agent(first)
    created = first.agents.schedule.create(
        agent.id,
        messages=[{"role": "user", "content": "tick"}],
        schedule={"type": "recurring", "cron_expression": "*/2 * * * * *"},  # every 2 s
    )
    time.sleep(7)
    second.agents.schedule.delete(created.id, agent_id=agent.id)
    deleted_at = time.time()
    time.sleep(2)  # a run started just before the delete finishes meanwhile
    runs = wait_for(lambda: finished_runs(first, agent.id), timeout=30)
    occurrences = [scheduled_time(run) for run in runs]
    # Every occurrence from the first to the last fired, each once, in order.
    assert len(runs) >= 3 and occurrences[-1] < deleted_at, occurrences
    assert occurrences == [occurrences[0] + 2 * n for n in range(len(runs))], occurrences
    assert occurrences[0] % 2 == 0
    for run, occurrence in zip(runs, occurrences, strict=True):
        assert run.metadata["scheduled_message_id"] == created.id
        late = run.created_at.timestamp() - occurrence
        assert 0 <= late < 2, late  # before the next occurrence, even on a loaded machine
    assert user_texts(first, agent.id) == ["tick"] * len(runs)
    time.sleep(2.5)
    assert len(list(first.runs.list(agent_id=agent.id))) == len(runs)  # deleted: no more


def test_a_new_schedules_next_time_is_shown_by_either_replica(
    replicas: list[LettaliteServer],
) -> None:
    first, second = (sdk(server) for server in replicas)
    agent = create_seed_agent(first)
    created = first.agents.schedule.create(
        agent.id,
        messages=[{"role": "user", "content": "every minute"}],
        schedule={"type": "recurring", "cron_expression": "* * * * *"},
    )
    seen = second.agents.schedule.retrieve(created.id, agent_id=agent.id)
    following = parse(seen.next_scheduled_time)
    assert following.second == 0 and following.timestamp() - time.time() <= 60
