"""Where each provider named in a handle is served: the providers the environment configures,
and the ones a team adds at run time (BYOK, stored encrypted by services/providers.py and
installed here with `set_byok_endpoints`)."""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from lettalite.config import DEFAULT_OPENAI_BASE_URL, Settings, get_settings

# The wire protocols lettalite speaks; every other provider type speaks one of them.
Protocol = Literal["openai", "anthropic", "google_ai", "ollama"]

# Letta's provider types that lettalite can call: the protocol each speaks and its public base
# URL (None: the server is the team's own, so a base_url must be given).
PROVIDER_TYPES: dict[str, tuple[Protocol, str | None]] = {
    "openai": ("openai", DEFAULT_OPENAI_BASE_URL),
    "anthropic": ("anthropic", "https://api.anthropic.com"),
    "google_ai": ("google_ai", "https://generativelanguage.googleapis.com"),
    "ollama": ("ollama", None),
    "groq": ("openai", "https://api.groq.com/openai/v1"),
    "together": ("openai", "https://api.together.xyz/v1"),
    "deepseek": ("openai", "https://api.deepseek.com/v1"),
    "xai": ("openai", "https://api.x.ai/v1"),
    "openrouter": ("openai", "https://openrouter.ai/api/v1"),
    "mistral": ("openai", "https://api.mistral.ai/v1"),
    "fireworks": ("openai", "https://api.fireworks.ai/inference/v1"),
    "cerebras": ("openai", "https://api.cerebras.ai/v1"),
    "lmstudio_openai": ("openai", None),
    "vllm": ("openai", None),
    "sglang": ("openai", None),
}


@dataclass(frozen=True)
class ProviderEndpoint:
    name: str  # the handle prefix
    provider_type: str  # as Letta's clients know it
    base_url: str
    api_key: str | None = None
    category: Literal["base", "byok"] = "base"

    @property
    def protocol(self) -> Protocol:
        return PROVIDER_TYPES.get(self.provider_type, ("openai", None))[0]

    @property
    def listed_live(self) -> bool:
        """Whether its models are asked of the provider: all but the environment's OpenAI,
        whose /models lists every model OpenAI has (images, audio...), so the catalogue
        stands in for it."""
        return not (self.category == "base" and self.name == "openai")


_byok: dict[str, ProviderEndpoint] = {}
# How this process reloads the stored providers (set by the app: the loader reads the database).
_byok_loader: Callable[[], Awaitable[None]] | None = None


def set_byok_endpoints(endpoints: Iterable[ProviderEndpoint]) -> None:
    global _byok
    _byok = {endpoint.name: endpoint for endpoint in endpoints}


def set_byok_loader(loader: Callable[[], Awaitable[None]] | None) -> None:
    global _byok_loader
    _byok_loader = loader


async def serve_provider(name: str) -> None:
    """Reload the stored providers when `name` is not served here, so that a provider another
    worker or replica has just stored can be used at once through this one (this process
    reloads them only every LETTALITE_PROVIDER_RELOAD_SECONDS otherwise)."""
    if name not in provider_endpoints() and _byok_loader is not None:
        await _byok_loader()


def env_endpoints(settings: Settings) -> dict[str, ProviderEndpoint]:
    """OpenAI when it has a key or another base URL (a local server may need no key); the
    others when configured."""
    endpoints = []
    if settings.openai_api_key or settings.openai_base_url != DEFAULT_OPENAI_BASE_URL:
        endpoints.append(
            ProviderEndpoint("openai", "openai", settings.openai_base_url, settings.openai_api_key)
        )
    if settings.anthropic_api_key:
        endpoints.append(
            ProviderEndpoint(
                "anthropic", "anthropic", settings.anthropic_base_url, settings.anthropic_api_key
            )
        )
    if settings.gemini_api_key:
        endpoints.append(
            ProviderEndpoint(
                "google_ai", "google_ai", settings.gemini_base_url, settings.gemini_api_key
            )
        )
    if settings.ollama_base_url:
        endpoints.append(ProviderEndpoint("ollama", "ollama", settings.ollama_base_url))
    for name, server in settings.openai_compatible.items():
        endpoints.append(ProviderEndpoint(name, "openai", server.base_url, server.api_key))
    return {endpoint.name: endpoint for endpoint in endpoints}


def provider_endpoints() -> dict[str, ProviderEndpoint]:
    """Every provider served now, by handle prefix: the environment's, then the BYOK ones."""
    return env_endpoints(get_settings()) | _byok


def protocol_of(provider: str) -> Protocol:
    """The protocol of a provider served now; for one that is not (a stored agent's provider
    whose key was removed), the protocol its name suggests."""
    endpoint = provider_endpoints().get(provider)
    if endpoint is not None:
        return endpoint.protocol
    return PROVIDER_TYPES.get(provider, ("openai", None))[0]
