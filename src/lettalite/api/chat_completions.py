"""`POST /v1/chat/completions`: an agent answers as an OpenAI-compatible chat model."""

from sse_starlette import EventSourceResponse

from lettalite.api.deps import DatabaseDep, RunsDep
from lettalite.api.errors import TURN_ERROR_RESPONSES
from lettalite.api.messages import SSE_HEADERS, RetryCount
from lettalite.api.routing import api_router
from lettalite.schemas.chat_completion import ChatCompletion, ChatCompletionRequest
from lettalite.services import chat_completions as chat_service

router = api_router(prefix="/v1/chat", tags=["chat"])


@router.post(
    "/completions",
    response_model=ChatCompletion,
    responses={200: {"content": {"text/event-stream": {}}}, **TURN_ERROR_RESPONSES},
)
async def create_chat_completion(
    body: ChatCompletionRequest,
    database: DatabaseDep,
    runs: RunsDep,
    retry_count: RetryCount = 0,
) -> ChatCompletion | EventSourceResponse:
    handle, request = await chat_service.start(database, runs, body, is_resend=retry_count > 0)
    if body.stream:
        include_usage = body.stream_options is not None and body.stream_options.include_usage
        frames = chat_service.chunk_frames(handle, body.model, include_usage=include_usage)
        return EventSourceResponse(frames, headers=SSE_HEADERS, sep="\n")
    return await chat_service.completion(handle, request, body.model)
