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
            from lettalite.llm.openai_provider import OpenAIProvider
            from lettalite.llm.retries import RetryPolicy

            self._clients[model.provider] = OpenAIProvider(
                base_url=self._settings.openai_base_url,
                api_key=self._settings.openai_api_key,
                timeout=self._settings.llm_timeout_seconds,
                retries=RetryPolicy(
                    retries=self._settings.llm_max_retries,
                    budget_seconds=self._settings.llm_retry_budget_seconds,
                ),
            )
        return self._clients[model.provider]

    async def close(self) -> None:
        for client in self._clients.values():
            close = getattr(client, "close", None)
            if close is not None:
                await close()
        self._clients.clear()
