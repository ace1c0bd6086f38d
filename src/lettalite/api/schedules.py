"""`/v1/agents/{agent_id}/schedule`: messages the server sends an agent at a time or on a
cron schedule, each as a background run."""

from typing import Annotated

from fastapi import Path, Query

from lettalite.api.deps import MAX_PAGE_SIZE, AgentId, Cursor, RunsDep, SessionDep
from lettalite.api.errors import WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router, collection_route
from lettalite.ids import id_pattern
from lettalite.schemas.schedule import (
    ScheduleCreate,
    ScheduleCreateResponse,
    ScheduleDeleted,
    ScheduledMessage,
    ScheduleList,
)
from lettalite.services import schedules as schedule_service

router = api_router(prefix="/v1/agents/{agent_id}/schedule", tags=["scheduledMessages"])
ScheduleId = Annotated[
    str, Path(pattern=id_pattern("scheduled_message"), description="`scheduled_message-<uuid4>`")
]


@collection_route(
    router,
    "POST",
    status_code=201,
    response_model=ScheduleCreateResponse,
    responses=WRITE_ERROR_RESPONSES,
)
async def schedule_message(
    agent_id: AgentId, body: ScheduleCreate, session: SessionDep, runs: RunsDep
) -> ScheduleCreateResponse:
    return await schedule_service.create_schedule(session, runs.callback_policy, agent_id, body)


@collection_route(router, "GET", response_model=ScheduleList)
async def list_scheduled_messages(
    agent_id: AgentId,
    session: SessionDep,
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> ScheduleList:
    return await schedule_service.list_schedules(session, agent_id, after=after, limit=limit)


@router.get("/{scheduled_message_id}", response_model=ScheduledMessage)
async def retrieve_scheduled_message(
    agent_id: AgentId, scheduled_message_id: ScheduleId, session: SessionDep
) -> ScheduledMessage:
    return await schedule_service.get_schedule(session, agent_id, scheduled_message_id)


@router.delete("/{scheduled_message_id}", response_model=ScheduleDeleted)
async def delete_scheduled_message(
    agent_id: AgentId, scheduled_message_id: ScheduleId, session: SessionDep
) -> ScheduleDeleted:
    return await schedule_service.delete_schedule(session, agent_id, scheduled_message_id)
