"""Builds the client for a model handle's provider from the settings."""

from lettalite.config import Settings
from lettalite.errors import NotFound
from lettalite.llm.catalog import ModelHandle
from lettalite.llm.endpoints import ProviderEndpoint, provider_endpoints
from lettalite.llm.types import LLMClient


class Providers:
    """One long-lived client per provider endpoint, created on first use. A BYOK provider whose
    key or URL changes is a new endpoint, so it gets a new client."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._clients: dict[ProviderEndpoint, LLMClient] = {}

    def client_for(self, model: ModelHandle) -> LLMClient:
        endpoint = provider_endpoints().get(model.provider)
        if endpoint is None:
            raise NotFound(f"Provider {model.provider!r} of model {model.handle} is not configured")
        if endpoint not in self._clients:
            self._clients[endpoint] = self._new_client(endpoint)
        return self._clients[endpoint]

    def _new_client(self, endpoint: ProviderEndpoint) -> LLMClient:
        # Imported on first use: each SDK takes a noticeable part of a second to import.
        from lettalite.llm.retries import RetryPolicy

        settings = self._settings
        retries = RetryPolicy(
            retries=settings.llm_max_retries, budget_seconds=settings.llm_retry_budget_seconds
        )
        timeout = settings.llm_timeout_seconds
        if endpoint.protocol == "anthropic":
            from lettalite.llm.anthropic_provider import AnthropicProvider

            return AnthropicProvider(
                base_url=endpoint.base_url,
                api_key=endpoint.api_key,
                timeout=timeout,
                retries=retries,
                key_setting=_key_setting(endpoint),
            )
        if endpoint.protocol == "google_ai":
            from lettalite.llm.google_provider import GoogleProvider

            return GoogleProvider(
                base_url=endpoint.base_url,
                api_key=endpoint.api_key,
                timeout=timeout,
                retries=retries,
                key_setting=_key_setting(endpoint),
            )
        if endpoint.protocol == "ollama":
            from lettalite.llm.ollama_provider import OllamaProvider

            return OllamaProvider(base_url=endpoint.base_url, timeout=timeout, retries=retries)
        from lettalite.llm.openai_provider import OpenAIProvider

        return OpenAIProvider(
            base_url=endpoint.base_url,
            api_key=endpoint.api_key,
            timeout=timeout,
            retries=retries,
            key_setting=_key_setting(endpoint),
        )

    async def close(self) -> None:
        for client in self._clients.values():
            close = getattr(client, "close", None)
            if close is not None:
                await close()
        self._clients.clear()


def _key_setting(endpoint: ProviderEndpoint) -> str:
    """Where the endpoint's key is set, for the error that says it is missing."""
    if endpoint.category == "byok":
        return f"the api_key of provider {endpoint.name!r} (PATCH /v1/providers/{{id}})"
    if endpoint.name in ("openai", "anthropic", "google_ai"):
        return {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}.get(
            endpoint.name, "GEMINI_API_KEY"
        )
    return f"the api_key of {endpoint.name!r} in LETTALITE_OPENAI_COMPATIBLE"
