"""Client-side access tokens: short-lived bearer tokens for browser front ends, limited to
named agents and operations (see api/scopes.py). Only the server key manages them."""

from typing import Annotated

from fastapi import Path, Query, Request, Response

from lettalite.api.auth import AUTH_SCOPE_KEY, SERVER_KEY
from lettalite.api.deps import SessionDep
from lettalite.api.errors import WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router
from lettalite.errors import InvalidArgument
from lettalite.schemas.access_token import AccessToken, AccessTokenList, CreateAccessToken
from lettalite.services import access_tokens as token_service

router = api_router(prefix="/v1/client-side-access-tokens", tags=["clientSideAccessTokens"])


@router.post("", response_model=AccessToken, status_code=201, responses=WRITE_ERROR_RESPONSES)
async def create_access_token(
    body: CreateAccessToken, session: SessionDep, request: Request
) -> AccessToken:
    # Token requests never get here (api/scopes.py), so this is a server without a key.
    if request.scope.get(AUTH_SCOPE_KEY) != SERVER_KEY:
        raise InvalidArgument(
            "Access tokens need a server key: without LETTALITE_API_KEY every client already"
            " has full access, so a token would limit nothing"
        )
    return await token_service.create_token(session, body)


@router.get("", response_model=AccessTokenList)
async def list_access_tokens(
    session: SessionDep,
    agent_id: Annotated[str | None, Query(alias="agentId", max_length=128)] = None,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
) -> AccessTokenList:
    return await token_service.list_tokens(session, agent_id=agent_id, offset=offset, limit=limit)


@router.delete("/{token}", status_code=204, response_class=Response)
async def delete_access_token(
    token: Annotated[str, Path(max_length=256, description="The token, or its id")],
    session: SessionDep,
) -> None:
    await token_service.delete_token(session, token)
