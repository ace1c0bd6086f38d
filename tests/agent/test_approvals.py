"""Matching a client's answers to the calls a paused step waits on (pure functions)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lettalite.agent.approvals import (
    NO_APPROVALS,
    TurnRefused,
    answer_for,
    client_outcome,
    denial,
    match_answers,
    waiting_call_ids,
)
from lettalite.db.models import MessageRow
from lettalite.schemas.message import ApprovalCreate, ApprovalDecision, ClientToolReturn


def paused(*calls: tuple[str, bool]) -> MessageRow:
    """An assistant message whose calls (id, waits for an answer) the step paused on."""
    return MessageRow(
        id="message-1",
        role="assistant",
        content=[],
        tool_calls=[
            {
                "id": call_id,
                "name": "t",
                "arguments": "{}",
                **({"requires_approval": True} if w else {}),
            }
            for call_id, w in calls
        ],
    )


def tool_return(call_id: str, text: str = "ok") -> ClientToolReturn:
    return ClientToolReturn(tool_call_id=call_id, tool_return=text, status="success")


def test_only_marked_calls_wait() -> None:
    assert waiting_call_ids(paused(("a", True), ("b", False), ("c", True))) == ["a", "c"]


def test_every_waiting_call_needs_exactly_one_answer() -> None:
    pending = paused(("a", True), ("b", True))
    answer = ApprovalCreate(
        approvals=[tool_return("b"), ApprovalDecision(tool_call_id="a", approve=False)]
    )
    assert set(match_answers(answer, pending)) == {"a", "b"}
    for wrong in (["a"], ["a", "b", "c"], ["a", "a", "b"], ["x", "y"]):
        with pytest.raises(TurnRefused) as refused:
            match_answers(ApprovalCreate(approvals=[tool_return(i) for i in wrong]), pending)
        assert refused.value.detail.startswith("Invalid tool call IDs. Expected '['a', 'b']'")
        assert refused.value.error_type == "invalid_approval"


@given(st.sets(st.sampled_from("abcdef"), min_size=1), st.lists(st.sampled_from("abcdefg")))
def test_answers_are_accepted_exactly_when_they_match_the_waiting_set(
    waiting: set[str], answered: list[str]
) -> None:
    pending = paused(*[(call_id, True) for call_id in sorted(waiting)])
    answer = ApprovalCreate(approvals=[tool_return(call_id) for call_id in answered])
    exact = sorted(answered) == sorted(waiting)
    if exact:
        assert set(match_answers(answer, pending)) == waiting
    else:
        with pytest.raises(TurnRefused):
            match_answers(answer, pending)


def test_an_answer_without_items_is_refused() -> None:
    with pytest.raises(TurnRefused) as refused:
        match_answers(ApprovalCreate(approvals=[]), paused(("a", True)))
    assert refused.value.detail == NO_APPROVALS


def test_the_legacy_form_answers_the_single_waiting_call() -> None:
    pending = paused(("a", True), ("b", False))
    for request_id in ("message-1", "a"):
        legacy = ApprovalCreate(approve=False, approval_request_id=request_id, reason="no")
        [(call_id, decision)] = match_answers(legacy, pending).items()
        assert call_id == "a" and decision.approve is False and decision.reason == "no"
    with pytest.raises(TurnRefused):
        match_answers(ApprovalCreate(approve=True, approval_request_id="other"), pending)
    with pytest.raises(TurnRefused):  # two calls wait: the single form cannot say which
        two = paused(("a", True), ("b", True))
        match_answers(ApprovalCreate(approve=True, approval_request_id="message-1"), two)


def test_what_each_answer_makes_of_its_call() -> None:
    answers = {
        "returned": tool_return("returned", "out"),
        "denied": ApprovalDecision(tool_call_id="denied", approve=False, reason="not now"),
        "approved": ApprovalDecision(tool_call_id="approved", approve=True),
    }
    assert answer_for("returned", answers).outcome.message == "out"
    denied = answer_for("denied", answers).outcome
    assert denied.status == "error"
    assert denied.message == "Error: request to call tool denied. User reason: not now"
    assert answer_for("approved", answers).runs_here
    assert answer_for("never-waited", answers).runs_here  # parked beside the waiting calls


def test_a_client_result_keeps_its_streams_and_images() -> None:
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "AA=="},
    }
    item = ClientToolReturn.model_validate(
        {
            "tool_call_id": "c",
            "tool_return": [{"type": "text", "text": "a picture"}, image],
            "status": "error",
            "stdout": ["o"],
            "stderr": ["e"],
        }
    )
    outcome = client_outcome(item)
    assert (outcome.status, outcome.message) == ("error", "a picture")
    assert (outcome.stdout, outcome.stderr) == (["o"], ["e"])
    assert outcome.images == (image,)
    assert denial(None).message.endswith("User reason: None")
