"""Identity operations: create, upsert by identifier_key, update, delete, properties, and the
agents and blocks an identity is attached to."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db import agents as agent_queries
from lettalite.db import blocks as block_queries
from lettalite.db import identities as identity_queries
from lettalite.db.identities import IdentityFilter
from lettalite.db.models import (
    AgentRow,
    BlockRow,
    IdentityAgentRow,
    IdentityBlockRow,
    IdentityRow,
)
from lettalite.db.pagination import Page
from lettalite.db.session import flush
from lettalite.errors import Conflict, InvalidArgument, NotFound
from lettalite.ids import new_id
from lettalite.schemas.agent import AgentState
from lettalite.schemas.block import Block
from lettalite.schemas.identity import (
    Identity,
    IdentityCreate,
    IdentityFields,
    IdentityProperty,
    IdentityUpdate,
)
from lettalite.services import agents as agent_service
from lettalite.services.views import block_model, identity_model


async def _missing(session: AsyncSession, row: type[AgentRow | BlockRow], ids: set[str]) -> None:
    found = set(await session.scalars(select(row.id).where(row.id.in_(ids))))
    if missing := sorted(ids - found):
        kind = "Agent" if row is AgentRow else "Block"
        raise NotFound(f"{kind} {', '.join(missing)} not found")


async def _apply_links(
    session: AsyncSession, identity: IdentityRow, fields: IdentityFields
) -> None:
    """Replace the identity's agents, blocks and properties with those sent (None: keep)."""
    if fields.agent_ids is not None:
        wanted = list(dict.fromkeys(fields.agent_ids))
        await _missing(session, AgentRow, set(wanted))
        kept = {link.agent_id: link for link in identity.agent_links}
        identity.agent_links = [kept.get(i) or IdentityAgentRow(agent_id=i) for i in wanted]
    if fields.block_ids is not None:
        wanted = list(dict.fromkeys(fields.block_ids))
        await _missing(session, BlockRow, set(wanted))
        kept_blocks = {link.block_id: link for link in identity.block_links}
        identity.block_links = [kept_blocks.get(i) or IdentityBlockRow(block_id=i) for i in wanted]
    if fields.properties is not None:
        identity.properties = _stored(fields.properties)


def _stored(properties: Sequence[IdentityProperty]) -> list[dict]:
    for item in properties:
        if not item.has_its_type():
            raise InvalidArgument(f"Property {item.key!r}: its value is not a {item.type}")
    # One value per key: the last one sent wins.
    by_key = {p.key: p.model_dump(mode="json") for p in properties}
    return list(by_key.values())


async def _check_key_free(
    session: AsyncSession, key: str, project_id: str | None, identity_id: str | None = None
) -> None:
    existing = await identity_queries.identity_by_key(session, key, project_id)
    if existing is not None and existing.id != identity_id:
        raise Conflict(f"An identity with identifier_key {key!r} already exists ({existing.id})")


async def _created(session: AsyncSession, request: IdentityCreate) -> Identity:
    identity = IdentityRow(
        id=new_id("identity"),
        identifier_key=request.identifier_key,
        name=request.name,
        identity_type=request.identity_type,
        project_id=request.project_id,
        properties=[],
        agent_links=[],
        block_links=[],
    )
    await _apply_links(session, identity, request)
    session.add(identity)
    await flush(session)
    return identity_model(identity)


async def create_identity(session: AsyncSession, request: IdentityCreate) -> Identity:
    await _check_key_free(session, request.identifier_key, request.project_id)
    return await _created(session, request)


async def upsert_identity(session: AsyncSession, request: IdentityCreate) -> Identity:
    """The identity with this identifier_key (and project_id), updated; or a new one."""
    key, project_id = request.identifier_key, request.project_id
    identity = await identity_queries.identity_by_key(session, key, project_id)
    if identity is None:
        return await _created(session, request)
    identity.name, identity.identity_type = request.name, request.identity_type
    await _apply_links(session, identity, request)
    await flush(session)
    return identity_model(identity)


async def update_identity(
    session: AsyncSession, identity_id: str, request: IdentityUpdate
) -> Identity:
    identity = await identity_queries.get_identity(session, identity_id)
    if request.identifier_key is not None:
        await _check_key_free(session, request.identifier_key, identity.project_id, identity.id)
        identity.identifier_key = request.identifier_key
    if request.name is not None:
        identity.name = request.name
    if request.identity_type is not None:
        identity.identity_type = request.identity_type
    await _apply_links(session, identity, request)
    await flush(session)
    return identity_model(identity)


async def replace_properties(
    session: AsyncSession, identity_id: str, properties: list[IdentityProperty]
) -> Identity:
    identity = await identity_queries.get_identity(session, identity_id)
    identity.properties = _stored(properties)
    await flush(session)
    return identity_model(identity)


async def get_identity(session: AsyncSession, identity_id: str) -> Identity:
    return identity_model(await identity_queries.get_identity(session, identity_id))


async def delete_identity(session: AsyncSession, identity_id: str) -> None:
    await session.delete(await identity_queries.get_identity(session, identity_id))


async def list_identities(
    session: AsyncSession, page: Page, where: IdentityFilter
) -> list[Identity]:
    rows = await identity_queries.list_identities(session, page, where)
    return [identity_model(row) for row in rows]


async def count_identities(session: AsyncSession, where: IdentityFilter) -> int:
    return await identity_queries.count_identities(session, where)


async def identity_agents(session: AsyncSession, identity_id: str, page: Page) -> list[AgentState]:
    await identity_queries.get_identity(session, identity_id)
    return await agent_service.list_agents(session, page=page, identity_id=identity_id)


async def identity_blocks(session: AsyncSession, identity_id: str, page: Page) -> list[Block]:
    await identity_queries.get_identity(session, identity_id)
    blocks = await identity_queries.list_identity_blocks(session, identity_id, page)
    return [block_model(block) for block in blocks]


async def attach_agent(session: AsyncSession, agent_id: str, identity_id: str) -> AgentState:
    agent = await agent_queries.get_agent(session, agent_id)
    identity = await identity_queries.get_identity(session, identity_id)
    if all(link.identity_id != identity_id for link in agent.identity_links):
        agent.identity_links.append(IdentityAgentRow(identity=identity))
        await flush(session)
    return await agent_service.render(session, agent)


async def detach_agent(session: AsyncSession, agent_id: str, identity_id: str) -> AgentState:
    agent = await agent_queries.get_agent(session, agent_id)
    identity = await identity_queries.get_identity(session, identity_id)
    link = next((x for x in agent.identity_links if x.identity_id == identity_id), None)
    if link is None:
        raise NotFound(f"Identity {identity_id} is not attached to agent {agent_id}")
    agent.identity_links.remove(link)
    identity.agent_links.remove(link)
    await flush(session)
    return await agent_service.render(session, agent)


async def attach_block(session: AsyncSession, block_id: str, identity_id: str) -> Block:
    block = await block_queries.get_block(session, block_id)
    identity = await identity_queries.get_identity(session, identity_id)
    if all(link.block_id != block_id for link in identity.block_links):
        identity.block_links.append(IdentityBlockRow(block_id=block_id))
        await flush(session)
    return block_model(block)


async def detach_block(session: AsyncSession, block_id: str, identity_id: str) -> Block:
    block = await block_queries.get_block(session, block_id)
    identity = await identity_queries.get_identity(session, identity_id)
    link = next((x for x in identity.block_links if x.block_id == block_id), None)
    if link is None:
        raise NotFound(f"Identity {identity_id} is not attached to block {block_id}")
    identity.block_links.remove(link)
    await flush(session)
    return block_model(block)
