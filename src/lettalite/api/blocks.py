"""Standalone memory blocks, which can be attached to several agents."""

from typing import Annotated

from fastapi import Depends, Header, Query, Response

from lettalite.api.deps import BlockId, SessionDep, page_params
from lettalite.api.errors import BLOCK_WRITE_RESPONSES, WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router, collection_route
from lettalite.db.blocks import BlockFilter
from lettalite.db.pagination import Page
from lettalite.schemas.agent import AgentState
from lettalite.schemas.block import Block, CreateBlock, UpdateBlock
from lettalite.schemas.common import Tag
from lettalite.services import blocks as block_service

router = api_router(prefix="/v1/blocks", tags=["blocks"])
# Optimistic concurrency for read-modify-write clients: the ETag of a read, sent back.
IfMatch = Annotated[str | None, Header(alias="if-match", max_length=1024)]
SearchText = Annotated[str | None, Query(max_length=1000)]
# Compared with a count in SQL: PostgreSQL's integers stop at 2**31 - 1.
AgentCount = Annotated[int | None, Query(ge=0, le=2**31 - 1)]


def tagged(block: Block, response: Response) -> Block:
    """The block, with its version as the response's ETag."""
    response.headers["ETag"] = block_service.etag(block.version)
    return block


@collection_route(router, "POST", response_model=Block, responses=WRITE_ERROR_RESPONSES)
async def create_block(body: CreateBlock, session: SessionDep) -> Block:
    return await block_service.create_block(session, body)


async def block_filter(
    label: SearchText = None,
    label_search: SearchText = None,
    value_search: SearchText = None,
    description_search: SearchText = None,
    identity_id: Annotated[str | None, Query(max_length=128)] = None,
    identifier_keys: Annotated[list[str] | None, Query()] = None,
    tags: Annotated[list[Tag] | None, Query()] = None,
    match_all_tags: bool = False,
    connected_to_agents_count_eq: AgentCount = None,
    connected_to_agents_count_gt: AgentCount = None,
    connected_to_agents_count_lt: AgentCount = None,
) -> BlockFilter:
    return BlockFilter(
        label=label,
        label_search=label_search,
        value_search=value_search,
        description_search=description_search,
        identity_id=identity_id,
        identifier_keys=identifier_keys or (),
        tags=tags or (),
        match_all_tags=match_all_tags,
        agent_count=(
            connected_to_agents_count_eq,
            connected_to_agents_count_gt,
            connected_to_agents_count_lt,
        ),
    )


@collection_route(router, "GET", response_model=list[Block])
async def list_blocks(
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("asc", 50))],
    where: Annotated[BlockFilter, Depends(block_filter)],
) -> list[Block]:
    return await block_service.list_blocks(session, page=page, where=where)


@router.get("/{block_id}", response_model=Block)
async def get_block(block_id: BlockId, session: SessionDep, response: Response) -> Block:
    return tagged(await block_service.get_block(session, block_id), response)


@router.patch("/{block_id}", response_model=Block, responses=BLOCK_WRITE_RESPONSES)
async def update_block(
    block_id: BlockId,
    body: UpdateBlock,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Block:
    block = await block_service.update_block(session, block_id, body, if_match)
    return tagged(block, response)


@router.delete("/{block_id}", response_model=None)
async def delete_block(block_id: BlockId, session: SessionDep) -> None:
    await block_service.delete_block(session, block_id)


@router.get("/{block_id}/agents", response_model=list[AgentState])
async def list_block_agents(
    block_id: BlockId,
    session: SessionDep,
    page: Annotated[Page, Depends(page_params("desc", 50))],
) -> list[AgentState]:
    return await block_service.list_block_agents(session, block_id, page)
