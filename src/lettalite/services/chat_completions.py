"""Agents as OpenAI chat models: `POST /v1/chat/completions` runs one turn of the agent its
`model` names, with the last user message, through the same runs as `.../messages`.

The answer is what the agent said to the user: its assistant text and the `message` of its
`send_message` calls. Its other tool calls stay inside the agent (they are not OpenAI
`tool_calls`: the client does not run them).
"""

import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from lettalite.agent.conversation import ConversationRef
from lettalite.agent.run_handle import RunEvent, RunHandle
from lettalite.agent.runs import RunManager
from lettalite.agent.turn import TurnFailed
from lettalite.db import agents as agent_queries
from lettalite.db.session import Database
from lettalite.errors import InvalidArgument, NotFound
from lettalite.ids import id_pattern
from lettalite.schemas.chat_completion import (
    AgentAsModel,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionRequest,
    ChatMessageIn,
    Choice,
    ChoiceDelta,
    ChunkChoice,
    CompletionUsage,
    FinishReason,
    OpenAIModelList,
)
from lettalite.schemas.message import (
    AssistantMessage,
    Base64Image,
    ContentPart,
    ImagePart,
    LettaStreamingRequest,
    MessageCreate,
    StopReason,
    TextPart,
    ToolCallMessage,
    UrlImage,
    UsageStatistics,
)
from lettalite.services import turns as turn_service

SEND_MESSAGE = "send_message"
MESSAGE_SEPARATOR = "\n\n"  # between two messages of one answer
DATA_URL = re.compile(r"data:(?P<media_type>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)", re.DOTALL)
AGENT_ID = re.compile(id_pattern("agent"))


async def resolve_agent(database: Database, model: str) -> str:
    """The id of the agent `model` names: by id, or by a name only one agent has."""
    async with database.session() as session:
        if AGENT_ID.fullmatch(model):
            return (await agent_queries.get_agent_row(session, model)).id
        ids = await agent_queries.agent_ids_named(session, model)
    if not ids:
        raise NotFound(f"No agent has the id or name {model!r} (`model` names an agent)")
    if len(ids) > 1:
        raise InvalidArgument(
            f"{len(ids)} agents are named {model!r}: send one's id as `model` ({', '.join(ids)})"
        )
    return ids[0]


def content_part(part: dict[str, Any]) -> ContentPart:
    """An OpenAI content part as Letta's: text, or an image by URL or inline (a data URL)."""
    kind = part.get("type")
    if kind == "text" and isinstance(part.get("text"), str):
        return TextPart(text=part["text"])
    url = (part.get("image_url") or {}).get("url") if kind == "image_url" else None
    if isinstance(url, str):
        if inline := DATA_URL.fullmatch(url):
            return ImagePart(source=Base64Image(**inline.groupdict()))
        return ImagePart(source=UrlImage(url=url))
    raise InvalidArgument(
        f"messages: a content part of type {kind!r} cannot be sent to an agent "
        "(use 'text' or 'image_url' parts)"
    )


def turn_request(body: ChatCompletionRequest) -> LettaStreamingRequest:
    """The Letta send the completion request makes: its last user message, and nothing of the
    earlier messages (the agent keeps its own history)."""
    users: list[ChatMessageIn] = [message for message in body.messages if message.role == "user"]
    last = users[-1] if users else None
    if last is None or last.content is None:
        raise InvalidArgument("messages: there is no user message to send to the agent")
    content = last.content
    try:
        if isinstance(content, list):
            content = [content_part(part) for part in content]
        message = MessageCreate(role="user", content=content)
    except ValidationError as error:  # e.g. an image URL over its length limit
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        detail = f"messages: the last user message's {where}: {problem['msg']}"
        raise InvalidArgument(detail) from None
    return LettaStreamingRequest(
        messages=[message], streaming=body.stream, stream_tokens=body.stream
    )


async def start(
    database: Database, runs: RunManager, body: ChatCompletionRequest, *, is_resend: bool
) -> tuple[RunHandle, LettaStreamingRequest]:
    """The turn the completion request asks for, started on the agent's default conversation."""
    agent_id = await resolve_agent(database, body.model)
    request = turn_request(body)
    handle = await turn_service.start_run(
        runs,
        ConversationRef(agent_id),
        request,
        is_resend=is_resend,
        stream_tokens=request.stream_tokens,
    )
    return handle, request


@dataclass
class PendingCall:
    name: str = ""
    arguments: str = ""


@dataclass
class AnswerText:
    """Reads a run's events in order and gives the pieces of the agent's answer as they become
    known. A `send_message` call counts once its arguments are complete (when anything else
    follows it); separate messages are joined with a blank line."""

    _calls: dict[str, PendingCall] = field(default_factory=dict)
    _last_part: str | None = None

    def feed(self, event: RunEvent) -> list[str]:
        if isinstance(event, ToolCallMessage):
            call = self._calls.setdefault(event.otid or event.id, PendingCall())
            call.name += event.tool_call.name or ""  # a streamed name may come in pieces
            call.arguments += event.tool_call.arguments or ""
            return []
        pieces = self.flush()
        if isinstance(event, AssistantMessage) and event.content:
            pieces.append(self._piece(event.otid or event.id, event.content))
        return pieces

    def flush(self) -> list[str]:
        pieces = []
        for part, call in self._calls.items():
            if call.name == SEND_MESSAGE and (text := sent_text(call.arguments)):
                pieces.append(self._piece(part, text))
        self._calls.clear()
        return pieces

    def _piece(self, part: str, text: str) -> str:
        joined = self._last_part is not None and self._last_part != part
        self._last_part = part
        return MESSAGE_SEPARATOR + text if joined else text


def sent_text(arguments: str) -> str | None:
    try:
        message = json.loads(arguments).get("message")
    except (ValueError, AttributeError):
        return None
    return message if isinstance(message, str) else None


def finish_reason(stop: StopReason | None) -> FinishReason:
    return "length" if stop is not None and stop.stop_reason == "max_steps" else "stop"


def completion_usage(usage: UsageStatistics) -> CompletionUsage:
    return CompletionUsage(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
    )


async def completion(
    handle: RunHandle, request: LettaStreamingRequest, model: str
) -> ChatCompletion:
    """The finished turn as one chat completion (a failed turn raises its HTTP error)."""
    outcome = await turn_service.await_response(handle, request, structured_errors=False)
    answer = AnswerText()
    pieces = [piece for message in outcome.response.messages for piece in answer.feed(message)]
    pieces += answer.flush()
    choice = Choice(
        message=ChatCompletionMessage(content="".join(pieces)),
        finish_reason=finish_reason(outcome.response.stop_reason),
    )
    return ChatCompletion(
        id=handle.run_id,
        created=int(time.time()),
        model=model,
        choices=[choice],
        usage=completion_usage(outcome.response.usage),
    )


@dataclass(frozen=True)
class Chunks:
    """The frames of one streamed completion; each carries the same id, time and model."""

    id: str
    model: str
    created: int = field(default_factory=lambda: int(time.time()))

    def frame(
        self,
        delta: ChoiceDelta | None = None,
        finish: FinishReason | None = None,
        usage: CompletionUsage | None = None,
    ) -> dict[str, str]:
        choices = [] if delta is None else [ChunkChoice(delta=delta, finish_reason=finish)]
        chunk = ChatCompletionChunk(
            id=self.id, created=self.created, model=self.model, choices=choices, usage=usage
        )
        return {"data": chunk.model_dump_json()}


async def chunk_frames(
    handle: RunHandle, model: str, *, include_usage: bool
) -> AsyncIterator[dict[str, str]]:
    """The turn as OpenAI `chat.completion.chunk` events, ending with `[DONE]`. A failed turn
    ends with an `{"error": ...}` event, which OpenAI's SDKs raise as an APIError."""
    chunks = Chunks(handle.run_id, model)
    yield chunks.frame(ChoiceDelta(role="assistant", content=""))
    answer = AnswerText()
    stop: StopReason | None = None
    usage: UsageStatistics | None = None
    failure: TurnFailed | None = None
    async for event in handle.follow():
        if isinstance(event, TurnFailed):
            failure = event
        elif isinstance(event, StopReason):
            stop = event
        elif isinstance(event, UsageStatistics):
            usage = event
        for piece in answer.feed(event):
            yield chunks.frame(ChoiceDelta(content=piece))
    for piece in answer.flush():
        yield chunks.frame(ChoiceDelta(content=piece))
    if failure is not None:
        error = {"message": failure.detail, "type": failure.error_type, "code": None}
        yield {"data": json.dumps({"error": error})}
    else:
        yield chunks.frame(ChoiceDelta(), finish_reason(stop))
        if include_usage and usage is not None:
            yield chunks.frame(usage=completion_usage(usage))
    yield {"data": "[DONE]"}


async def agents_as_models(database: Database) -> OpenAIModelList:
    """Every agent as an OpenAI model, under its id (always unambiguous as `model`)."""
    async with database.session() as session:
        agents = await agent_queries.agent_names(session)
    return OpenAIModelList(
        data=[
            AgentAsModel(id=agent_id, name=name, created=int(created.timestamp()))
            for agent_id, name, created in agents
        ]
    )
