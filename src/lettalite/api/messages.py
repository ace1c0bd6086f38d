"""Sending messages to an agent and reading its history."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from lettalite.agent.loop import TurnRunner
from lettalite.api.deps import AgentId, SessionDep, page_params
from lettalite.db.pagination import Page
from lettalite.schemas.agent import AgentState
from lettalite.schemas.common import RequestModel
from lettalite.schemas.message import LettaMessage, LettaRequest, LettaResponse, MessageType
from lettalite.services import messages as message_service
from lettalite.services import turns as turn_service

router = APIRouter(prefix="/v1/agents/{agent_id}", tags=["messages"])


def get_runner(request: Request) -> TurnRunner:
    return request.app.state.turns


RunnerDep = Annotated[TurnRunner, Depends(get_runner)]


@router.post("/messages", response_model=LettaResponse)
async def send_message(
    agent_id: AgentId, body: LettaRequest, runner: RunnerDep, response: Response
) -> LettaResponse:
    outcome = await turn_service.send_message(runner, agent_id, body)
    # Lets clients (and bench/) tell the model's time from the server's own.
    response.headers["Server-Timing"] = f"llm;dur={outcome.llm_seconds * 1000:.1f}"
    return outcome.response


@router.get("/messages", response_model=list[LettaMessage])
async def list_messages(
    agent_id: AgentId,
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("desc", 100))],
    include_return_message_types: Annotated[list[MessageType] | None, Query()] = None,
) -> list[LettaMessage]:
    return await message_service.list_messages(
        session, agent_id, page=page, include_types=include_return_message_types
    )


class ResetMessages(RequestModel):
    add_default_initial_messages: bool = False


@router.patch("/reset-messages", response_model=AgentState)
async def reset_messages(
    agent_id: AgentId, session: SessionDep, body: Annotated[ResetMessages | None, Body()] = None
) -> AgentState:
    return await message_service.reset_messages(session, agent_id)
