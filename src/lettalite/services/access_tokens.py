"""Client-side access tokens: issued by the server key, each opening named agents to named
operations until it expires or is deleted. Stored as SHA-256 hashes only."""

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db import agents as agent_queries
from lettalite.db.base import utcnow
from lettalite.db.models import ConversationRow, RunRow
from lettalite.db.server_models import AccessTokenRow
from lettalite.db.session import Database, flush
from lettalite.errors import InvalidArgument, NotFound, Unauthorized
from lettalite.ids import UUID4_PATTERN, new_id
from lettalite.schemas.access_token import (
    AccessPolicy,
    AccessToken,
    AccessTokenList,
    AgentAccess,
    CreateAccessToken,
)

DEFAULT_LIFETIME = timedelta(minutes=5)
TOKEN_ID_PREFIX = "token"
# `token-<uuid4>.<secret>`: the id finds the row, the hash of the whole token must match.
TOKEN_SHAPE = re.compile(rf"^({TOKEN_ID_PREFIX}-{UUID4_PATTERN})\.[A-Za-z0-9_-]{{43}}$")
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL as browsers send it in Origin: lowercase, default port
    left out. A URL that does not parse is returned as it is, matching no other origin."""
    try:
        parts = urlsplit(url.strip().lower())
        port = parts.port
    except ValueError:  # a bad port or IPv6 literal
        return url
    if port == DEFAULT_PORTS.get(parts.scheme):
        port = None
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{port}" if port else "")


@dataclass(frozen=True)
class AccessGrant:
    """What one access token allows: access values per agent id, from pages at `origin`."""

    access_by_agent: Mapping[str, frozenset[str]]
    origin: str

    def allows(self, agent_id: str, access: str) -> bool:
        return access in self.access_by_agent.get(agent_id, frozenset())


def token_id_of(token: str) -> str | None:
    """The id in a string shaped like an access token, else None."""
    match = TOKEN_SHAPE.match(token)
    return match.group(1) if match else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _grant(row: AccessTokenRow) -> AccessGrant:
    access_by_agent: dict[str, frozenset[str]] = {}
    for item in row.policy:
        access_by_agent[item["id"]] = access_by_agent.get(item["id"], frozenset()) | set(
            item["access"]
        )
    return AccessGrant(access_by_agent, origin_of(row.hostname))


async def authenticate(database: Database, token: str) -> AccessGrant:
    """The grant of a live access token (one lookup by primary key), else Unauthorized."""
    token_id = token_id_of(token)
    if token_id is None:
        raise Unauthorized("Invalid API key in the Authorization header")
    async with database.session() as session:
        row = await session.get(AccessTokenRow, token_id)
    if row is None or not hmac.compare_digest(row.token_hash, _hash(token)):
        raise Unauthorized("Invalid or deleted access token in the Authorization header")
    if row.expires_at <= utcnow():
        raise Unauthorized(f"The access token expired at {row.expires_at.isoformat()}")
    return _grant(row)


def _token_model(row: AccessTokenRow, token: str) -> AccessToken:
    data = [AgentAccess.model_validate(item) for item in row.policy]
    return AccessToken(
        token=token,
        hostname=row.hostname,
        expires_at=row.expires_at,
        policy=AccessPolicy(data=data),
    )


async def create_token(session: AsyncSession, request: CreateAccessToken) -> AccessToken:
    now = utcnow()
    expires_at = request.expires_at or now + DEFAULT_LIFETIME
    if expires_at <= now:
        raise InvalidArgument(f"expires_at: {expires_at.isoformat()} is not in the future")
    named = {item.id for item in request.policy}
    found = {agent.id for agent in await agent_queries.agents_by_ids(session, sorted(named))}
    if missing := sorted(named - found):
        raise NotFound(f"Agent {missing[0]} not found (policy names agents that do not exist)")
    # Expired tokens open nothing; forgetting them here keeps the table small.
    await session.execute(delete(AccessTokenRow).where(AccessTokenRow.expires_at <= now))
    token_id = new_id(TOKEN_ID_PREFIX)
    token = f"{token_id}.{secrets.token_urlsafe(32)}"
    row = AccessTokenRow(
        id=token_id,
        token_hash=_hash(token),
        policy=[item.model_dump() for item in request.policy],
        hostname=request.hostname,
        expires_at=expires_at,
    )
    session.add(row)
    await flush(session)
    return _token_model(row, token)


async def list_tokens(
    session: AsyncSession, *, agent_id: str | None, offset: int, limit: int
) -> AccessTokenList:
    """Live tokens, oldest first, each shown by its id (the token itself is never stored)."""
    query = (
        select(AccessTokenRow)
        .where(AccessTokenRow.expires_at > utcnow())
        .order_by(AccessTokenRow.created_at, AccessTokenRow.id)
    )
    rows = list(await session.scalars(query))
    if agent_id is not None:  # the policy is JSON; live tokens are few
        rows = [row for row in rows if any(item["id"] == agent_id for item in row.policy)]
    page = rows[offset : offset + limit]
    return AccessTokenList(
        tokens=[_token_model(row, row.id) for row in page],
        has_next_page=len(rows) > offset + limit,
    )


async def delete_token(session: AsyncSession, token: str) -> None:
    """Delete by the token or by its id (what the listing shows)."""
    token_id = token.partition(".")[0]
    row = await session.get(AccessTokenRow, token_id)
    if row is None:
        raise NotFound(f"Access token {token_id} not found")
    await session.delete(row)


async def _owning_agent(
    database: Database, table: type[ConversationRow] | type[RunRow], row_id: str, kind: str
) -> str:
    async with database.session() as session:
        agent_id = await session.scalar(select(table.agent_id).where(table.id == row_id))
    if agent_id is None:
        raise NotFound(f"{kind} {row_id} not found")
    return agent_id


async def agent_of_run(database: Database, run_id: str) -> str:
    return await _owning_agent(database, RunRow, run_id, "Run")


async def agent_of_conversation(database: Database, conversation_id: str) -> str:
    return await _owning_agent(database, ConversationRow, conversation_id, "Conversation")
