"""Builds the client for a model handle's provider from the settings."""

from lettalite.config import Settings
from lettalite.llm.catalog import ModelHandle
from lettalite.llm.types import LLMClient


class Providers:
    """One long-lived client per provider, created on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._clients: dict[str, LLMClient] = {}

    def client_for(self, model: ModelHandle) -> LLMClient:
        if model.provider not in self._clients:
            self._clients[model.provider] = self._new_client(model.provider)
        return self._clients[model.provider]

    def _new_client(self, provider: str) -> LLMClient:
        # Imported on first use: each SDK takes a noticeable part of a second to import.
        from lettalite.llm.retries import RetryPolicy

        settings = self._settings
        retries = RetryPolicy(
            retries=settings.llm_max_retries, budget_seconds=settings.llm_retry_budget_seconds
        )
        if provider == "anthropic":
            from lettalite.llm.anthropic_provider import AnthropicProvider

            return AnthropicProvider(
                base_url=settings.anthropic_base_url,
                api_key=settings.anthropic_api_key,
                timeout=settings.llm_timeout_seconds,
                retries=retries,
            )
        if provider == "google_ai":
            from lettalite.llm.google_provider import GoogleProvider

            return GoogleProvider(
                base_url=settings.gemini_base_url,
                api_key=settings.gemini_api_key,
                timeout=settings.llm_timeout_seconds,
                retries=retries,
            )
        if provider == "ollama":
            from lettalite.llm.ollama_provider import OllamaProvider

            assert settings.ollama_base_url is not None  # the handle was resolved against it
            return OllamaProvider(
                base_url=settings.ollama_base_url,
                timeout=settings.llm_timeout_seconds,
                retries=retries,
            )
        from lettalite.llm.openai_provider import OpenAIProvider

        if provider in settings.openai_compatible:
            server = settings.openai_compatible[provider]
            return OpenAIProvider(
                base_url=server.base_url,
                api_key=server.api_key,
                timeout=settings.llm_timeout_seconds,
                retries=retries,
                key_setting=f"the api_key of {provider!r} in LETTALITE_OPENAI_COMPATIBLE",
            )
        return OpenAIProvider(
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            timeout=settings.llm_timeout_seconds,
            retries=retries,
        )

    async def close(self) -> None:
        for client in self._clients.values():
            close = getattr(client, "close", None)
            if close is not None:
                await close()
        self._clients.clear()
