"""An agent's core-memory blocks, addressed by label."""

from typing import Annotated

from fastapi import Depends, Path, Response

from lettalite.api.blocks import IfMatch, tagged
from lettalite.api.deps import AgentId, BlockId, SessionDep, page_params
from lettalite.api.errors import BLOCK_WRITE_RESPONSES, WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router
from lettalite.db.pagination import Page
from lettalite.schemas.agent import AgentState
from lettalite.schemas.block import Block, UpdateBlock
from lettalite.services import agents as agent_service
from lettalite.services import blocks as block_service

router = api_router(prefix="/v1/agents/{agent_id}/core-memory/blocks", tags=["core-memory"])
BlockLabel = Annotated[str, Path(max_length=255)]


@router.get("", response_model=list[Block])
async def list_agent_blocks(
    agent_id: AgentId,
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("asc", 100))],
) -> list[Block]:
    return await block_service.list_agent_blocks(session, agent_id, page)


@router.patch("/attach/{block_id}", response_model=AgentState, responses=WRITE_ERROR_RESPONSES)
async def attach_block(agent_id: AgentId, block_id: BlockId, session: SessionDep) -> AgentState:
    return await agent_service.attach_block(session, agent_id, block_id)


@router.patch("/detach/{block_id}", response_model=AgentState)
async def detach_block(agent_id: AgentId, block_id: BlockId, session: SessionDep) -> AgentState:
    return await agent_service.detach_block(session, agent_id, block_id)


@router.get("/{block_label}", response_model=Block)
async def get_agent_block(
    agent_id: AgentId, block_label: BlockLabel, session: SessionDep, response: Response
) -> Block:
    return tagged(await block_service.get_agent_block(session, agent_id, block_label), response)


@router.patch("/{block_label}", response_model=Block, responses=BLOCK_WRITE_RESPONSES)
async def update_agent_block(
    agent_id: AgentId,
    block_label: BlockLabel,
    body: UpdateBlock,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Block:
    block = await block_service.update_agent_block(session, agent_id, block_label, body, if_match)
    return tagged(block, response)
