"""What each provider serves, asked live and cached briefly.

Ollama and the OpenAI-compatible servers serve whatever was pulled or loaded, and Anthropic's
and Google's lists change with each release, so every provider is asked (the environment's
OpenAI excepted: see ProviderEndpoint.listed_live). A provider that does not answer is skipped
with a logged warning (and asked again once its cache entry lapses): the listing of the others
must not fail because one is down.
"""

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from lettalite.llm.catalog import undated
from lettalite.llm.endpoints import ProviderEndpoint

if TYPE_CHECKING:
    from httpx import AsyncClient

CACHE_SECONDS = 60.0
LIST_TIMEOUT_SECONDS = 5.0
# Ollama reports what a model can do; chat models need tools for the agent loop.
OLLAMA_CHAT_CAPABILITY = "tools"
OLLAMA_EMBEDDING_CAPABILITY = "embedding"
ANTHROPIC_VERSION = "2023-06-01"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServedModel:
    provider: str
    name: str
    kind: Literal["llm", "embedding"]
    context_window: int | None = None  # when the provider says it
    embedding_dim: int | None = None

    @property
    def handle(self) -> str:
        return f"{self.provider}/{self.name}"


_cache: dict[ProviderEndpoint, tuple[float, list[ServedModel]]] = {}


async def served_models(endpoints: Iterable[ProviderEndpoint]) -> list[ServedModel]:
    """The models of each provider listed live, in the order given."""
    import httpx  # imported on first listing, not at startup

    endpoints = [e for e in endpoints if e.listed_live]
    async with httpx.AsyncClient(timeout=LIST_TIMEOUT_SECONDS) as http:
        results = await asyncio.gather(*(_cached(endpoint, http) for endpoint in endpoints))
    return [model for listing in results for model in listing]


async def _cached(endpoint: ProviderEndpoint, http: "AsyncClient") -> list[ServedModel]:
    now = time.monotonic()
    if endpoint in _cache and _cache[endpoint][0] > now:
        return _cache[endpoint][1]
    try:
        models = await list_served(endpoint, http)
    except Exception as error:  # noqa: BLE001 - any failure means "down": skip it, say why
        logger.warning("Could not list the models of provider %r: %s", endpoint.name, error)
        models = []
    _cache[endpoint] = (now + CACHE_SECONDS, models)
    return models


async def list_served(endpoint: ProviderEndpoint, http: "AsyncClient") -> list[ServedModel]:
    """What the provider says it serves; raises when it does not answer or refuses the key."""
    lister = {
        "ollama": _ollama_models,
        "anthropic": _anthropic_models,
        "google_ai": _gemini_models,
    }.get(endpoint.protocol, _compatible_models)
    return await lister(http, endpoint)


async def _ollama_models(http: "AsyncClient", endpoint: ProviderEndpoint) -> list[ServedModel]:
    base = endpoint.base_url.rstrip("/")
    response = await http.get(f"{base}/api/tags")
    response.raise_for_status()
    names = [entry["name"] for entry in response.json().get("models", [])]
    shown = await asyncio.gather(
        *(_ollama_model(http, base, endpoint.name, name) for name in names)
    )
    return [model for model in shown if model is not None]


async def _ollama_model(
    http: "AsyncClient", base: str, provider: str, name: str
) -> ServedModel | None:
    response = await http.post(f"{base}/api/show", json={"model": name})
    response.raise_for_status()
    shown = response.json()
    capabilities = shown.get("capabilities") or []
    info = shown.get("model_info") or {}
    context = next((v for k, v in info.items() if k.endswith(".context_length")), None)
    if OLLAMA_EMBEDDING_CAPABILITY in capabilities:
        dim = next((v for k, v in info.items() if k.endswith(".embedding_length")), None)
        return ServedModel(provider, name, "embedding", context, dim)
    if OLLAMA_CHAT_CAPABILITY in capabilities:
        return ServedModel(provider, name, "llm", context)
    return None  # a chat model without tool calls cannot drive an agent


async def _compatible_models(http: "AsyncClient", endpoint: ProviderEndpoint) -> list[ServedModel]:
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    response = await http.get(f"{endpoint.base_url.rstrip('/')}/models", headers=headers)
    response.raise_for_status()
    models = []
    for entry in response.json().get("data", []):
        kind: Literal["llm", "embedding"] = "embedding" if "embed" in entry["id"] else "llm"
        # vLLM says `max_model_len`, OpenRouter and LM Studio `context_length`.
        context = entry.get("max_model_len") or entry.get("context_length")
        models.append(ServedModel(endpoint.name, entry["id"], kind, context))
    return models


async def _anthropic_models(http: "AsyncClient", endpoint: ProviderEndpoint) -> list[ServedModel]:
    """Anthropic's /v1/models, page by page, by the aliases that name each model's latest
    snapshot (`claude-sonnet-4-5`, as Letta lists them). Anthropic has no embedding models,
    and does not say a model's context window: the catalogue does."""
    headers = {"x-api-key": endpoint.api_key or "", "anthropic-version": ANTHROPIC_VERSION}
    models: list[ServedModel] = []
    params: dict[str, str | int] = {"limit": 1000}
    while True:
        response = await http.get(
            f"{endpoint.base_url.rstrip('/')}/v1/models", headers=headers, params=params
        )
        response.raise_for_status()
        page = response.json()
        models += [
            ServedModel(endpoint.name, undated(entry["id"]), "llm") for entry in page["data"]
        ]
        if not page.get("has_more") or not page.get("last_id"):
            return list(dict.fromkeys(models))
        params["after_id"] = page["last_id"]


async def _gemini_models(http: "AsyncClient", endpoint: ProviderEndpoint) -> list[ServedModel]:
    """Gemini's models that generate content (chat) or embed, with their input limits."""
    models: list[ServedModel] = []
    params: dict[str, str | int] = {"pageSize": 1000}
    headers = {"x-goog-api-key": endpoint.api_key or ""}
    while True:
        response = await http.get(
            f"{endpoint.base_url.rstrip('/')}/v1beta/models", headers=headers, params=params
        )
        response.raise_for_status()
        page = response.json()
        for entry in page.get("models", []):
            name = entry["name"].removeprefix("models/")
            methods = entry.get("supportedGenerationMethods") or []
            limit = entry.get("inputTokenLimit")
            if "generateContent" in methods:
                models.append(ServedModel(endpoint.name, name, "llm", limit))
            elif "embedContent" in methods or "batchEmbedContents" in methods:
                models.append(ServedModel(endpoint.name, name, "embedding", limit))
        if not page.get("nextPageToken"):
            return models
        params["pageToken"] = page["nextPageToken"]
