"""Steps (one per model call) and run traces through the official Python SDK, strictly
validated: listing with filters, reading a step, its messages, timings and provider trace,
feedback, and `GET /v1/runs/{id}/trace`; bad input over plain HTTP."""

from dataclasses import dataclass

import httpx
import pytest
from letta_client import Letta, NotFoundError
from sqlalchemy import update

from lettalite.db.models import StepRow
from tests.factories import call_directive, create_seed_agent, missing_id, write_directly
from tests.servers import LettaliteServer

SEARCH = call_directive("conversation_search", query="nothing here")


@dataclass(frozen=True)
class TwoSteps:
    agent_id: str
    run_id: str
    step_ids: list[str]  # oldest first: the tool call, then the answer


@pytest.fixture
def two_steps(client: Letta) -> TwoSteps:
    """A turn of two model calls: one calls conversation_search, the next answers."""
    agent = create_seed_agent(client)
    response = client.agents.messages.create(agent.id, input=f"look it up {SEARCH}")
    run_id = response.messages[-1].run_id
    steps = client.runs.steps.list(run_id, order="asc").items
    return TwoSteps(agent.id, run_id, [step.id for step in steps])


def test_list_steps_of_an_agent_in_either_order(client: Letta, two_steps: TwoSteps) -> None:
    assert len(two_steps.step_ids) == 2
    newest_first = client.steps.list(agent_id=two_steps.agent_id).items
    assert [s.id for s in newest_first] == two_steps.step_ids[::-1]
    oldest_first = client.steps.list(agent_id=two_steps.agent_id, order="asc", limit=1).items
    assert [s.id for s in oldest_first] == two_steps.step_ids[:1]
    after = client.steps.list(agent_id=two_steps.agent_id, order="asc", after=oldest_first[0].id)
    assert [s.id for s in after.items] == two_steps.step_ids[1:]


def test_list_steps_by_model_and_date(client: Letta, two_steps: TwoSteps) -> None:
    mine = {"agent_id": two_steps.agent_id}
    assert len(client.steps.list(**mine, model="gpt-4o-mini").items) == 2
    assert len(client.steps.list(**mine, model="openai/gpt-4o-mini").items) == 2
    assert client.steps.list(**mine, model="gpt-5").items == []
    assert client.steps.list(**mine, start_date="2999-01-01T00:00:00Z").items == []
    assert len(client.steps.list(**mine, end_date="2999-01-01T00:00:00Z").items) == 2


def test_retrieve_a_step(client: Letta, two_steps: TwoSteps) -> None:
    step = client.steps.retrieve(two_steps.step_ids[0])
    assert step.id == two_steps.step_ids[0]
    assert (step.run_id, step.agent_id) == (two_steps.run_id, two_steps.agent_id)
    assert step.status == "success"
    assert step.api_model_handle == "openai/gpt-4o-mini" and step.provider_name == "openai"
    assert step.prompt_tokens > 0 and step.total_tokens == step.prompt_tokens + (
        step.completion_tokens or 0
    )
    assert step.feedback is None and step.tags == []


def test_a_steps_messages_are_what_that_model_call_produced(
    client: Letta, two_steps: TwoSteps
) -> None:
    first = client.steps.messages.list(two_steps.step_ids[0]).items
    assert [m.message_type for m in first] == ["tool_call_message", "tool_return_message"]
    assert first[0].tool_call.name == "conversation_search"
    second = client.steps.messages.list(two_steps.step_ids[1]).items
    assert [m.message_type for m in second] == ["assistant_message"]


def test_step_metrics_time_the_model_call(client: Letta, two_steps: TwoSteps) -> None:
    metrics = client.steps.metrics.retrieve(two_steps.step_ids[0])
    assert metrics.id == two_steps.step_ids[0] and metrics.run_id == two_steps.run_id
    assert metrics.llm_request_ns is not None and metrics.llm_request_ns > 0


def test_step_trace_holds_the_provider_request_and_the_completion(
    client: Letta, two_steps: TwoSteps
) -> None:
    trace = client.steps.trace.retrieve(two_steps.step_ids[0])
    assert trace is not None and trace.step_id == two_steps.step_ids[0]
    assert trace.run_id == two_steps.run_id and trace.call_type == "agent_step"
    assert trace.request_json["model"] == "gpt-4o-mini"
    sent = [m.get("content") for m in trace.request_json["messages"]]
    assert any("look it up" in str(content) for content in sent)
    assert [call["name"] for call in trace.response_json["tool_calls"]] == ["conversation_search"]
    answer = client.steps.trace.retrieve(two_steps.step_ids[1])
    assert answer is not None and answer.response_json["tool_calls"] == []


def test_run_trace_lists_its_steps_traces_in_order(client: Letta, two_steps: TwoSteps) -> None:
    traces = client.runs.trace.retrieve(two_steps.run_id)
    assert [t["step_id"] for t in traces] == two_steps.step_ids
    assert [t["step_id"] for t in client.runs.trace.retrieve(two_steps.run_id, limit=1)] == [
        two_steps.step_ids[0]
    ]


def test_a_step_without_a_trace_answers_null_and_is_left_out_of_the_runs(
    client: Letta, http: httpx.Client, server: LettaliteServer, two_steps: TwoSteps
) -> None:
    first, second = two_steps.step_ids
    forgotten = update(StepRow).where(StepRow.id == first)
    # What a step stored before lettalite kept traces holds.
    write_directly(server.database_url, forgotten.values(request_json=None, response_json=None))
    answer = http.get(f"/v1/steps/{first}/trace")
    assert answer.status_code == 200 and answer.json() is None
    assert client.steps.retrieve(first).id == first
    assert [t["step_id"] for t in client.runs.trace.retrieve(two_steps.run_id)] == [second]


def test_feedback_is_recorded_and_filters_the_list(client: Letta, two_steps: TwoSteps) -> None:
    first, second = two_steps.step_ids
    step = client.steps.feedback.create(first, feedback="positive", tags=["helpful", "fast"])
    assert step.feedback == "positive" and step.tags == ["helpful", "fast"]
    # A field left out stays; the other changes.
    step = client.steps.feedback.create(first, feedback="negative")
    assert step.feedback == "negative" and step.tags == ["helpful", "fast"]
    mine = {"agent_id": two_steps.agent_id}
    assert [s.id for s in client.steps.list(**mine, feedback="negative").items] == [first]
    assert client.steps.list(**mine, feedback="positive").items == []
    assert [s.id for s in client.steps.list(**mine, has_feedback=False).items] == [second]
    assert [s.id for s in client.steps.list(**mine, tags=["fast", "other"]).items] == [first]
    assert client.steps.list(**mine, tags=["other"]).items == []
    cleared = client.steps.feedback.create(first, feedback=None, tags=[])
    assert cleared.feedback is None and cleared.tags == []
    assert client.steps.retrieve(first).feedback is None


def test_missing_steps_and_runs_are_404(client: Letta) -> None:
    step_id = missing_id("step")
    for read in (
        client.steps.retrieve,
        client.steps.metrics.retrieve,
        client.steps.trace.retrieve,
        lambda i: client.steps.messages.list(i),
        lambda i: client.steps.feedback.create(i, feedback="positive"),
    ):
        with pytest.raises(NotFoundError) as raised:
            read(step_id)
        assert step_id in str(raised.value)
    with pytest.raises(NotFoundError):
        client.runs.trace.retrieve(missing_id("run"))


def test_bad_step_input_is_refused_with_detail(http: httpx.Client, two_steps: TwoSteps) -> None:
    assert http.get("/v1/steps/not-a-step").status_code == 422
    step = f"/v1/steps/{two_steps.step_ids[0]}"
    refused = http.patch(f"{step}/feedback", json={"feedback": "great"})
    assert refused.status_code == 422 and "feedback" in str(refused.json()["detail"])
    assert http.patch(f"{step}/feedback", json={"tags": "one"}).status_code == 422
    assert http.get("/v1/steps/", params={"feedback": "meh"}).status_code == 422
    assert http.get("/v1/steps/", params={"start_date": "yesterday"}).status_code == 422
    assert http.get(f"/v1/runs/{two_steps.run_id}/trace", params={"limit": 0}).status_code == 422
    assert http.get(step).json()["feedback"] is None  # nothing was written
