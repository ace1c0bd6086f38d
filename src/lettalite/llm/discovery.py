"""What Ollama and the named OpenAI-compatible servers serve, asked live and cached briefly.

These providers serve whatever was pulled or loaded, so no catalogue can list their models. A
provider that does not answer is skipped with a logged warning (and asked again once its
cache entry lapses): the listing of the others must not fail because one is down.
"""

import asyncio
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from lettalite.config import OpenAICompatibleServer, Settings

if TYPE_CHECKING:
    from httpx import AsyncClient

CACHE_SECONDS = 60.0
LIST_TIMEOUT_SECONDS = 5.0
# Ollama reports what a model can do; chat models need tools for the agent loop.
OLLAMA_CHAT_CAPABILITY = "tools"
OLLAMA_EMBEDDING_CAPABILITY = "embedding"

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


_cache: dict[str, tuple[float, list[ServedModel]]] = {}


async def served_models(settings: Settings) -> list[ServedModel]:
    """The models of Ollama and of each named OpenAI-compatible server, in that order."""
    import httpx  # imported on first listing, not at startup

    async with httpx.AsyncClient(timeout=LIST_TIMEOUT_SECONDS) as http:
        listings = []
        if settings.ollama_base_url:
            listings.append(_cached("ollama", _ollama_models(http, settings.ollama_base_url)))
        for name, server in settings.openai_compatible.items():
            listings.append(_cached(name, _compatible_models(http, name, server)))
        results = await asyncio.gather(*listings)
    return [model for listing in results for model in listing]


async def _cached(
    provider: str, fetch: Coroutine[Any, Any, list[ServedModel]]
) -> list[ServedModel]:
    now = time.monotonic()
    if provider in _cache and _cache[provider][0] > now:
        fetch.close()  # the coroutine is not needed
        return _cache[provider][1]
    try:
        models = await fetch
    except Exception as error:  # noqa: BLE001 - any failure means "down": skip it, say why
        logger.warning("Could not list the models of provider %r: %s", provider, error)
        models = []
    _cache[provider] = (now + CACHE_SECONDS, models)
    return models


async def _ollama_models(http: "AsyncClient", base_url: str) -> list[ServedModel]:
    base = base_url.rstrip("/")
    response = await http.get(f"{base}/api/tags")
    response.raise_for_status()
    names = [entry["name"] for entry in response.json().get("models", [])]
    shown = await asyncio.gather(*(_ollama_model(http, base, name) for name in names))
    return [model for model in shown if model is not None]


async def _ollama_model(http: "AsyncClient", base: str, name: str) -> ServedModel | None:
    response = await http.post(f"{base}/api/show", json={"model": name})
    response.raise_for_status()
    shown = response.json()
    capabilities = shown.get("capabilities") or []
    info = shown.get("model_info") or {}
    context = next((v for k, v in info.items() if k.endswith(".context_length")), None)
    if OLLAMA_EMBEDDING_CAPABILITY in capabilities:
        dim = next((v for k, v in info.items() if k.endswith(".embedding_length")), None)
        return ServedModel("ollama", name, "embedding", context, dim)
    if OLLAMA_CHAT_CAPABILITY in capabilities:
        return ServedModel("ollama", name, "llm", context)
    return None  # a chat model without tool calls cannot drive an agent


async def _compatible_models(
    http: "AsyncClient", provider: str, server: OpenAICompatibleServer
) -> list[ServedModel]:
    headers = {"Authorization": f"Bearer {server.api_key}"} if server.api_key else {}
    response = await http.get(f"{server.base_url.rstrip('/')}/models", headers=headers)
    response.raise_for_status()
    models = []
    for entry in response.json().get("data", []):
        kind: Literal["llm", "embedding"] = "embedding" if "embed" in entry["id"] else "llm"
        # vLLM says `max_model_len`, OpenRouter and LM Studio `context_length`.
        context = entry.get("max_model_len") or entry.get("context_length")
        models.append(ServedModel(provider, entry["id"], kind, context))
    return models
