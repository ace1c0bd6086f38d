"""Identities, and attaching them to agents and blocks."""

from typing import Annotated

from fastapi import Body, Depends, Query

from lettalite.api.deps import AgentId, BlockId, IdentityId, SessionDep, page_params
from lettalite.api.errors import WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router
from lettalite.db.identities import IdentityFilter
from lettalite.db.pagination import Page
from lettalite.schemas.agent import AgentState
from lettalite.schemas.block import Block
from lettalite.schemas.identity import (
    MAX_PROPERTIES,
    Identity,
    IdentityCreate,
    IdentityProperty,
    IdentityType,
    IdentityUpdate,
)
from lettalite.services import identities as identity_service

router = api_router(tags=["identities"], responses=WRITE_ERROR_RESPONSES)
IDENTITIES = "/v1/identities"
ShortText = Annotated[str | None, Query(max_length=255)]
ListPage = Annotated[Page, Depends(page_params("desc", 50))]


async def identity_filter(
    name: ShortText = None,
    project_id: ShortText = None,
    identifier_key: ShortText = None,
    identity_type: IdentityType | None = None,
) -> IdentityFilter:
    return IdentityFilter(name, project_id, identifier_key, identity_type)


FilterDep = Annotated[IdentityFilter, Depends(identity_filter)]


@router.get(f"{IDENTITIES}/", response_model=list[Identity])
@router.get(IDENTITIES, response_model=list[Identity], include_in_schema=False)
async def list_identities(session: SessionDep, page: ListPage, where: FilterDep) -> list[Identity]:
    return await identity_service.list_identities(session, page, where)


@router.post(f"{IDENTITIES}/", response_model=Identity)
@router.post(IDENTITIES, response_model=Identity, include_in_schema=False)
async def create_identity(body: IdentityCreate, session: SessionDep) -> Identity:
    """409 if an identity with this identifier_key (and project_id) exists."""
    return await identity_service.create_identity(session, body)


@router.put(f"{IDENTITIES}/", response_model=Identity)
@router.put(IDENTITIES, response_model=Identity, include_in_schema=False)
async def upsert_identity(body: IdentityCreate, session: SessionDep) -> Identity:
    """Update the identity with this identifier_key (and project_id), or create it."""
    return await identity_service.upsert_identity(session, body)


@router.get(f"{IDENTITIES}/count", response_model=int)
async def count_identities(session: SessionDep, where: FilterDep) -> int:
    return await identity_service.count_identities(session, where)


@router.get(f"{IDENTITIES}/{{identity_id}}", response_model=Identity)
async def get_identity(identity_id: IdentityId, session: SessionDep) -> Identity:
    return await identity_service.get_identity(session, identity_id)


@router.patch(f"{IDENTITIES}/{{identity_id}}", response_model=Identity)
async def update_identity(
    identity_id: IdentityId, body: IdentityUpdate, session: SessionDep
) -> Identity:
    return await identity_service.update_identity(session, identity_id, body)


@router.delete(f"{IDENTITIES}/{{identity_id}}", response_model=None)
async def delete_identity(identity_id: IdentityId, session: SessionDep) -> None:
    await identity_service.delete_identity(session, identity_id)


@router.put(f"{IDENTITIES}/{{identity_id}}/properties", response_model=Identity)
async def replace_properties(
    identity_id: IdentityId,
    properties: Annotated[list[IdentityProperty], Body(max_length=MAX_PROPERTIES)],
    session: SessionDep,
) -> Identity:
    """Replace all of the identity's properties with these."""
    return await identity_service.replace_properties(session, identity_id, properties)


@router.get(f"{IDENTITIES}/{{identity_id}}/agents", response_model=list[AgentState])
async def list_identity_agents(
    identity_id: IdentityId, session: SessionDep, page: ListPage
) -> list[AgentState]:
    return await identity_service.identity_agents(session, identity_id, page)


@router.get(f"{IDENTITIES}/{{identity_id}}/blocks", response_model=list[Block])
async def list_identity_blocks(
    identity_id: IdentityId, session: SessionDep, page: ListPage
) -> list[Block]:
    return await identity_service.identity_blocks(session, identity_id, page)


@router.patch("/v1/agents/{agent_id}/identities/attach/{identity_id}", response_model=AgentState)
async def attach_to_agent(
    agent_id: AgentId, identity_id: IdentityId, session: SessionDep
) -> AgentState:
    return await identity_service.attach_agent(session, agent_id, identity_id)


@router.patch("/v1/agents/{agent_id}/identities/detach/{identity_id}", response_model=AgentState)
async def detach_from_agent(
    agent_id: AgentId, identity_id: IdentityId, session: SessionDep
) -> AgentState:
    return await identity_service.detach_agent(session, agent_id, identity_id)


@router.patch("/v1/blocks/{block_id}/identities/attach/{identity_id}", response_model=Block)
async def attach_to_block(block_id: BlockId, identity_id: IdentityId, session: SessionDep) -> Block:
    return await identity_service.attach_block(session, block_id, identity_id)


@router.patch("/v1/blocks/{block_id}/identities/detach/{identity_id}", response_model=Block)
async def detach_from_block(
    block_id: BlockId, identity_id: IdentityId, session: SessionDep
) -> Block:
    return await identity_service.detach_block(session, block_id, identity_id)
