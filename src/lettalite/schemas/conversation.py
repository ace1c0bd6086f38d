"""Conversations on the wire: an agent's named threads, each with its own history."""

from typing import Any

from pydantic import Field

from lettalite.schemas.common import InputTime, RequestModel, ResourceTime, WireModel
from lettalite.schemas.message import LettaStreamingRequest
from lettalite.schemas.model_settings import ModelSettings

MAX_ISOLATED_BLOCKS = 100


class Conversation(WireModel):
    id: str
    agent_id: str
    summary: str | None
    # Filled by retrieve only, as Letta does: the system message first, in context order.
    in_context_message_ids: list[str] = []
    isolated_block_ids: list[str]
    model: str | None
    model_settings: dict[str, Any] | None
    last_message_at: ResourceTime | None
    created_by_id: str | None = None
    last_updated_by_id: str | None = None
    created_at: ResourceTime
    updated_at: ResourceTime


class CreateConversation(RequestModel):
    summary: str | None = Field(None, max_length=10_000)
    isolated_block_labels: list[str] | None = Field(None, max_length=MAX_ISOLATED_BLOCKS)
    model: str | None = Field(None, max_length=255)
    model_settings: ModelSettings | None = None


class UpdateConversation(RequestModel):
    """Only fields sent with a value change (null leaves a field as it is, as in Letta)."""

    summary: str | None = Field(None, max_length=10_000)
    model: str | None = Field(None, max_length=255)
    model_settings: ModelSettings | None = None
    last_message_at: InputTime | None = None


class ConversationMessageRequest(LettaStreamingRequest):
    """A send to a conversation: streamed unless `streaming` is false; `agent_id` selects the
    agent whose default conversation the path `default` means."""

    streaming: bool = True
    agent_id: str | None = None


class RetrieveStreamRequest(RequestModel):
    """Which run to re-attach to: `run_id`, else the run a message `otid` started, else the
    conversation's active run. `starting_after` skips the events a client already has."""

    agent_id: str | None = None
    run_id: str | None = None
    otid: str | None = None
    starting_after: int = Field(0, ge=0)
    include_pings: bool | None = True
    poll_interval: float | None = None
    batch_size: int | None = None


class ConversationCompactionRequest(RequestModel):
    agent_id: str | None = None
    # Letta's compaction settings; lettalite compacts with the agent's own model and prompt.
    compaction_settings: dict[str, Any] | None = None
