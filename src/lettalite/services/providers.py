"""Providers a team adds at run time (BYOK): stored with their keys encrypted, served beside
the environment's providers, and their model lists asked live.

Every process serves the stored providers: each reloads them after its own changes, when asked
for a handle whose provider it does not serve (so a provider stored through another worker or
replica is used at once), and every LETTALITE_PROVIDER_RELOAD_SECONDS (so another process's
update or deletion, and the model listings, follow within that time).
"""

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.config import BUILT_IN_PROVIDERS, get_settings
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.server_models import ProviderRow
from lettalite.db.session import Database, get_or_404
from lettalite.errors import Conflict, InvalidArgument
from lettalite.ids import new_id
from lettalite.llm.endpoints import (
    PROVIDER_TYPES,
    ProviderEndpoint,
    env_endpoints,
    set_byok_endpoints,
)
from lettalite.schemas.provider import (
    Provider,
    ProviderCheck,
    ProviderCreate,
    ProviderKeys,
    ProviderMessage,
)
from lettalite.secret_box import SecretBox, mask

PROVIDER_SORT = SortKey(ProviderRow.created_at, ProviderRow.id)
# Servers a team runs itself serve under /v1 (the reference appends it when missing).
SELF_HOSTED_OPENAI_TYPES = frozenset({"lmstudio_openai", "vllm", "sglang"})

logger = logging.getLogger(__name__)
# One reload at a time, so that a reload which read the table earlier never installs its older
# view after a later one.
_installing = asyncio.Lock()


def _base_url(provider_type: str, given: str | None) -> str:
    """The URL to reach a provider of this type at: the given one, else the type's public
    one. 400 for an unknown type, or a self-hosted one without a URL."""
    if provider_type not in PROVIDER_TYPES:
        raise InvalidArgument(
            f"provider_type {provider_type!r} is not supported by lettalite; supported: "
            f"{', '.join(PROVIDER_TYPES)}"
        )
    public = PROVIDER_TYPES[provider_type][1]
    url = (given or public or "").rstrip("/")
    if not url:
        raise InvalidArgument(f"A {provider_type} provider needs a base_url: where it serves")
    if provider_type in SELF_HOSTED_OPENAI_TYPES and not url.endswith("/v1"):
        url += "/v1"
    return url


def _endpoint(row: ProviderRow, box: SecretBox) -> ProviderEndpoint:
    keys = box.open(row.sealed_keys)
    return ProviderEndpoint(
        name=row.name,
        provider_type=row.provider_type,
        base_url=_base_url(row.provider_type, row.base_url),
        api_key=keys.get("api_key"),
        category="byok",
    )


def _provider(row: ProviderRow, box: SecretBox) -> Provider:
    return Provider(
        id=row.id,
        name=row.name,
        provider_type=row.provider_type,
        api_key=_shown_key(row, box),
        base_url=row.base_url,
        region=row.region,
        api_version=row.api_version,
        updated_at=row.updated_at,
        last_synced=row.last_synced,
    )


def _shown_key(row: ProviderRow, box: SecretBox) -> str | None:
    try:
        return mask(box.open(row.sealed_keys).get("api_key"))
    except RuntimeError:  # stored under another encryption key: nothing to show
        return None


async def check_keys(check: ProviderCheck) -> ProviderMessage:
    """Whether the provider accepts the key: it must list its models with it."""
    endpoint = ProviderEndpoint(
        name=check.provider_type,
        provider_type=check.provider_type,
        base_url=_base_url(check.provider_type, check.base_url),
        api_key=check.api_key,
        category="byok",
    )
    await _list_models(endpoint)
    return ProviderMessage(message=f"Valid api key for provider_type={check.provider_type}")


async def _list_models(endpoint: ProviderEndpoint) -> int:
    """How many models the provider lists; 400 saying what it answered when it refuses."""
    import httpx

    from lettalite.llm.discovery import LIST_TIMEOUT_SECONDS, list_served

    try:
        async with httpx.AsyncClient(timeout=LIST_TIMEOUT_SECONDS) as http:
            return len(await list_served(endpoint, http))
    except httpx.HTTPStatusError as error:
        raise InvalidArgument(
            f"Provider {endpoint.name!r} ({endpoint.provider_type}) refused the request: "
            f"{error.response.status_code} {error.response.text[:300]}"
        ) from None
    except httpx.HTTPError as error:
        raise InvalidArgument(
            f"Provider {endpoint.name!r} ({endpoint.provider_type}) could not be reached at "
            f"{endpoint.base_url}: {error!r}"
        ) from None


async def install_stored(database: Database, box: SecretBox) -> None:
    """Serve the stored providers (replacing what this process served before). One whose key
    cannot be decrypted here (a replica given another LETTALITE_ENCRYPTION_KEY) is left out,
    and said so: the others are still served."""
    async with _installing:
        async with database.session() as session:
            rows = (await session.scalars(select(ProviderRow))).all()
        endpoints = []
        for row in rows:
            try:
                endpoints.append(_endpoint(row, box))
            except RuntimeError as error:
                logger.error("Provider %r is not served: %s", row.name, error)
        set_byok_endpoints(endpoints)


async def list_providers(
    session: AsyncSession,
    box: SecretBox,
    *,
    page: Page,
    name: str | None,
    provider_type: str | None,
) -> list[Provider]:
    query = select(ProviderRow)
    if name is not None:
        query = query.where(ProviderRow.name == name)
    if provider_type is not None:
        query = query.where(ProviderRow.provider_type == provider_type)
    rows = await paginate(session, query, PROVIDER_SORT, page)
    return [_provider(row, box) for row in rows]


async def get_provider(session: AsyncSession, box: SecretBox, provider_id: str) -> Provider:
    return _provider(await get_or_404(session, ProviderRow, provider_id, "Provider"), box)


async def create_provider(database: Database, box: SecretBox, body: ProviderCreate) -> Provider:
    """Store the provider and serve it; its models are listed at once when it answers."""
    # The built-in names stay the environment's, even where it does not configure them now.
    if body.name in env_endpoints(get_settings()) or body.name in BUILT_IN_PROVIDERS:
        raise InvalidArgument(
            f"Provider name '{body.name}' conflicts with an existing base provider. "
            "Please choose a different name."
        )
    row = ProviderRow(id=new_id("provider"), name=body.name, provider_type=body.provider_type)
    _apply_keys(row, body, box)
    async with database.session() as session:
        if await session.scalar(select(ProviderRow.id).where(ProviderRow.name == body.name)):
            raise Conflict(f"A provider named {body.name!r} exists already")
        session.add(row)
    return await _installed(database, box, row)


async def update_provider(
    database: Database, box: SecretBox, provider_id: str, body: ProviderKeys
) -> Provider:
    async with database.session() as session:
        row = await get_or_404(session, ProviderRow, provider_id, "Provider")
        _apply_keys(row, body, box)
        row.updated_at = datetime.now(UTC)
    return await _installed(database, box, row)


async def refresh_provider(database: Database, box: SecretBox, provider_id: str) -> Provider:
    async with database.session() as session:
        row = await get_or_404(session, ProviderRow, provider_id, "Provider")
    return await _installed(database, box, row)


async def check_stored(session: AsyncSession, box: SecretBox, provider_id: str) -> ProviderMessage:
    row = await get_or_404(session, ProviderRow, provider_id, "Provider")
    await _list_models(_endpoint(row, box))
    return ProviderMessage(message=f"Valid api key for provider_type={row.provider_type}")


async def delete_provider(database: Database, box: SecretBox, provider_id: str) -> ProviderMessage:
    async with database.session() as session:
        row = await get_or_404(session, ProviderRow, provider_id, "Provider")
        await session.delete(row)
    await install_stored(database, box)
    return ProviderMessage(message=f"Provider id={provider_id} successfully deleted")


def _apply_keys(row: ProviderRow, keys: ProviderKeys, box: SecretBox) -> None:
    _base_url(row.provider_type, keys.base_url)  # 400 before anything is stored
    row.base_url = keys.base_url
    row.region = keys.region
    row.api_version = keys.api_version
    sealed = {"api_key": keys.api_key, "access_key": keys.access_key}
    row.sealed_keys = box.seal({name: value for name, value in sealed.items() if value})


async def _installed(database: Database, box: SecretBox, row: ProviderRow) -> Provider:
    """Serve the stored providers again, and list this one's models (its "sync"): when it
    answers, `last_synced` says when; when it does not, it is still stored and served."""
    await install_stored(database, box)
    try:
        await _list_models(_endpoint(row, box))
    except InvalidArgument as error:
        logger.warning(
            "Provider %r stored, but its models could not be listed: %s", row.name, error
        )
    else:
        async with database.session() as session:
            stored = await get_or_404(session, ProviderRow, row.id, "Provider")
            stored.last_synced = datetime.now(UTC)
            row = stored
    return _provider(row, box)
