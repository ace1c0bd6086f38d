"""Providers a team adds at run time (BYOK): `/v1/providers`."""

from typing import Annotated

from fastapi import Depends, Query

from lettalite.api.deps import DatabaseDep, ProviderId, SecretBoxDep, SessionDep, page_params
from lettalite.api.errors import WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router, collection_route
from lettalite.db.pagination import Page
from lettalite.schemas.provider import (
    Provider,
    ProviderCheck,
    ProviderCreate,
    ProviderMessage,
    ProviderUpdate,
)
from lettalite.services import providers as provider_service

router = api_router(prefix="/v1/providers", tags=["providers"], responses=WRITE_ERROR_RESPONSES)


@collection_route(router, "GET", response_model=list[Provider])
async def list_providers(
    session: SessionDep,
    box: SecretBoxDep,
    page: Annotated[Page, Depends(page_params("desc", 50))],
    name: Annotated[str | None, Query(max_length=255)] = None,
    provider_type: Annotated[str | None, Query(max_length=32)] = None,
) -> list[Provider]:
    """The providers added at run time (the environment's are not listed)."""
    return await provider_service.list_providers(
        session, box, page=page, name=name, provider_type=provider_type
    )


@collection_route(router, "POST", response_model=Provider)
async def create_provider(
    body: ProviderCreate, database: DatabaseDep, box: SecretBoxDep
) -> Provider:
    return await provider_service.create_provider(database, box, body)


@router.post("/check", response_model=ProviderMessage)
async def check_provider(body: ProviderCheck) -> ProviderMessage:
    """Whether the provider accepts the key (it lists its models with it); nothing is stored."""
    return await provider_service.check_keys(body)


@router.get("/{provider_id}", response_model=Provider)
async def retrieve_provider(
    provider_id: ProviderId, session: SessionDep, box: SecretBoxDep
) -> Provider:
    return await provider_service.get_provider(session, box, provider_id)


@router.patch("/{provider_id}", response_model=Provider)
async def modify_provider(
    provider_id: ProviderId, body: ProviderUpdate, database: DatabaseDep, box: SecretBoxDep
) -> Provider:
    return await provider_service.update_provider(database, box, provider_id, body)


@router.delete("/{provider_id}", response_model=ProviderMessage)
async def delete_provider(
    provider_id: ProviderId, database: DatabaseDep, box: SecretBoxDep
) -> ProviderMessage:
    return await provider_service.delete_provider(database, box, provider_id)


@router.post("/{provider_id}/check", response_model=ProviderMessage)
async def check_existing_provider(
    provider_id: ProviderId, session: SessionDep, box: SecretBoxDep
) -> ProviderMessage:
    return await provider_service.check_stored(session, box, provider_id)


@router.patch("/{provider_id}/refresh", response_model=Provider)
async def refresh_provider_models(
    provider_id: ProviderId, database: DatabaseDep, box: SecretBoxDep
) -> Provider:
    """List the provider's models again now (they are also asked live, cached briefly)."""
    return await provider_service.refresh_provider(database, box, provider_id)
