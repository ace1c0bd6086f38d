"""Answers to tool calls that waited for the client or a human, checked against what waits.

Pure functions of the client's answer and the waiting assistant message; the loop stores what
they return. The error texts are Letta's, which clients (Letta Code) recognise.
"""

from dataclasses import dataclass
from typing import Any

from lettalite.agent.toolbox import ToolOutcome, failure
from lettalite.db.models import MessageRow
from lettalite.schemas.message import (
    ApprovalCreate,
    ApprovalDecision,
    ApprovalItem,
    ClientToolReturn,
    ImagePart,
    parts_text,
)

PENDING_APPROVAL = (
    "CONFLICT: Cannot send a new message: The agent is waiting for approval on a tool call. "
    "Please approve or deny the pending request before continuing."
)
NOTHING_PENDING = (
    "Cannot process approval response: No tool call is currently awaiting approval. "
    "Please send a regular message to interact with the agent."
)
NO_APPROVALS = (
    "Invalid approval response. Approval response message does not contain any approvals."
)
CANCELLED = "The user cancelled the request, so the tool call was denied."


class TurnRefused(Exception):
    """The turn cannot start as asked (a 4xx for the client); nothing was stored."""

    def __init__(self, error_type: str, detail: str, pending_message_id: str | None = None):
        super().__init__(detail)
        self.error_type = error_type
        self.detail = detail
        self.pending_message_id = pending_message_id


def waiting_call_ids(pending: MessageRow) -> list[str]:
    """The calls of the paused step that wait for an answer (the others run with them)."""
    return [call["id"] for call in pending.tool_calls or () if call.get("requires_approval")]


def match_answers(answer: ApprovalCreate, pending: MessageRow) -> dict[str, ApprovalItem]:
    """The client's answer item for each waiting call, or TurnRefused saying what is wrong."""
    waiting = waiting_call_ids(pending)
    items = answer.approvals
    if items is None and answer.approve is not None:
        # Letta's older form approves or denies the single waiting call by message id.
        if len(waiting) != 1 or answer.approval_request_id not in (pending.id, *waiting):
            raise _invalid_ids(waiting, [answer.approval_request_id or ""])
        items = [
            ApprovalDecision(tool_call_id=waiting[0], approve=answer.approve, reason=answer.reason)
        ]
    if not items:
        raise TurnRefused("invalid_approval", NO_APPROVALS)
    received = [item.tool_call_id for item in items]
    if len(set(received)) != len(received) or set(received) != set(waiting):
        raise _invalid_ids(waiting, received)
    return {item.tool_call_id: item for item in items}


def _invalid_ids(expected: list[str], received: list[str]) -> TurnRefused:
    return TurnRefused(
        "invalid_approval",
        f"Invalid tool call IDs. Expected '{expected}', but received '{received}'.",
    )


def client_outcome(item: ClientToolReturn) -> ToolOutcome:
    """A result the client ran and sent: its text for the model, its images kept as parts."""
    images: tuple[dict[str, Any], ...] = ()
    if not isinstance(item.tool_return, str):
        images = tuple(
            part.model_dump(exclude_none=True)
            for part in item.tool_return
            if isinstance(part, ImagePart)
        )
    return ToolOutcome(
        status=item.status,
        message=parts_text(item.tool_return),
        stdout=item.stdout,
        stderr=item.stderr,
        images=images,
    )


def denial(reason: str | None) -> ToolOutcome:
    return failure(f"Error: request to call tool denied. User reason: {reason}")


@dataclass(frozen=True)
class Answer:
    """What to do with one call of the paused step: use `outcome`, or run it (None)."""

    outcome: ToolOutcome | None

    @property
    def runs_here(self) -> bool:
        return self.outcome is None


def answer_for(call_id: str, answers: dict[str, ApprovalItem]) -> Answer:
    item = answers.get(call_id)
    if item is None:
        return Answer(None)  # not waiting: parked with the waiting calls, runs now
    if isinstance(item, ClientToolReturn):
        return Answer(client_outcome(item))
    return Answer(None) if item.approve else Answer(denial(item.reason))
