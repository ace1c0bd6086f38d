"""An agent's context window: how full it is, and compacting it on demand."""

from typing import Annotated

from fastapi import Body

from lettalite.agent.conversation import ConversationRef
from lettalite.api.deps import AgentId, DatabaseDep, RunsDep, SessionDep
from lettalite.api.routing import api_router
from lettalite.schemas.context import CompactionRequest, CompactionResponse, ContextWindowOverview
from lettalite.services import context as context_service

router = api_router(prefix="/v1/agents/{agent_id}", tags=["context"])


@router.get("/context", response_model=ContextWindowOverview)
async def get_context(agent_id: AgentId, session: SessionDep) -> ContextWindowOverview:
    return await context_service.context_overview(session, agent_id)


@router.post("/summarize", response_model=CompactionResponse)
async def summarize(
    agent_id: AgentId,
    database: DatabaseDep,
    runs: RunsDep,
    body: Annotated[CompactionRequest | None, Body()] = None,
) -> CompactionResponse:
    return await context_service.summarize(
        database, runs, ConversationRef(agent_id), refuse_unchanged=False
    )
