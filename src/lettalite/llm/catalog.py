"""Which model handles lettalite serves: `provider/model` strings and their properties."""

import re
from dataclasses import dataclass

from lettalite.errors import InvalidArgument, NotFound
from lettalite.llm.endpoints import protocol_of, provider_endpoints, serve_provider

MAX_DEFAULT_CONTEXT_WINDOW = 128_000
UNKNOWN_MODEL_CONTEXT_WINDOW = 32_000

# Context windows of well-known OpenAI chat models. Any other model name is still accepted
# under `openai/`, since OPENAI_BASE_URL may point at any OpenAI-compatible server.
OPENAI_CONTEXT_WINDOWS = {
    "gpt-4o-mini": 128_000,
    "gpt-4o": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-4.1-mini": 1_047_576,
    "gpt-4.1-nano": 1_047_576,
    "gpt-4-turbo": 128_000,
    "gpt-3.5-turbo": 16_385,
    "o3-mini": 200_000,
    "o4-mini": 200_000,
    "gpt-5": 400_000,
    "gpt-5-mini": 400_000,
}
# Anthropic's current Claude models (their aliases, which Anthropic resolves to the latest
# snapshot). Any other name is still accepted under `anthropic/`, with Claude's usual window.
ANTHROPIC_CONTEXT_WINDOWS = {
    "claude-sonnet-4-5": 200_000,
    "claude-haiku-4-5": 200_000,
    "claude-opus-4-5": 200_000,
    "claude-opus-4-1": 200_000,
    "claude-sonnet-4-0": 200_000,
    "claude-opus-4-0": 200_000,
    "claude-3-7-sonnet-latest": 200_000,
    "claude-3-5-haiku-latest": 200_000,
}
ANTHROPIC_UNKNOWN_MODEL_CONTEXT_WINDOW = 200_000
# Google's current Gemini models (input token limits). Any other name is still accepted
# under `google_ai/`, with Gemini's usual window.
GOOGLE_AI_CONTEXT_WINDOWS = {
    "gemini-2.5-pro": 1_048_576,
    "gemini-2.5-flash": 1_048_576,
    "gemini-2.5-flash-lite": 1_048_576,
    "gemini-2.0-flash": 1_048_576,
    "gemini-2.0-flash-lite": 1_048_576,
    "gemini-3-pro-preview": 1_048_576,
}
GOOGLE_AI_UNKNOWN_MODEL_CONTEXT_WINDOW = 1_048_576
GOOGLE_AI_EMBEDDING_DIMS = {
    "text-embedding-004": 768,
    "gemini-embedding-001": 3072,
}
# Chat models known not to accept image input; any other model is sent the user's images.
TEXT_ONLY_MODELS = frozenset({"gpt-3.5-turbo", "o1-mini", "o3-mini"})
DEFAULT_EMBEDDING = "openai/text-embedding-3-small"
OPENAI_EMBEDDING_DIMS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
# Ollama's common embedding models; any other name is accepted under `ollama/` too.
OLLAMA_EMBEDDING_DIMS = {
    "nomic-embed-text": 768,
    "mxbai-embed-large": 1024,
    "all-minilm": 384,
    "bge-m3": 1024,
}
UNKNOWN_EMBEDDING_DIM = 1536


@dataclass(frozen=True)
class ModelHandle:
    provider: str
    model: str

    @property
    def handle(self) -> str:
        return f"{self.provider}/{self.model}"


def _split(handle: str, kind: str) -> ModelHandle:
    provider, slash, model = handle.partition("/")
    if not slash or not provider or not model:
        raise InvalidArgument(
            f"The {kind} handle {handle!r} should be in the format provider/model-name"
        )
    return ModelHandle(provider, model)


def configured_providers() -> dict[str, str]:
    """The providers served, by handle prefix, with their base URLs."""
    return {name: endpoint.base_url for name, endpoint in provider_endpoints().items()}


def provider_type(provider: str) -> str:
    """The provider's type as Letta's clients know it: a named OpenAI-compatible server is
    `openai` (its name is the `provider_name`)."""
    endpoint = provider_endpoints().get(provider)
    return endpoint.provider_type if endpoint is not None else provider


def parse_model(handle: str) -> ModelHandle:
    """The handle's parts, whether or not its provider is configured now (a stored agent's
    model stays readable after its provider's key is removed)."""
    return _split(handle, "model")


async def served_model(handle: str) -> ModelHandle:
    """The handle's parts; 404 when its provider is not served (after reloading the stored
    providers: another worker may have just stored it)."""
    parsed = parse_model(handle)
    await serve_provider(parsed.provider)
    providers = configured_providers()
    if parsed.provider not in providers:
        raise NotFound(
            f"Handle {handle} not found: provider {parsed.provider!r} is not configured "
            f"(configured: {', '.join(providers)}), must be one of {list_model_handles()}"
        )
    return parsed


def embedding_dims() -> dict[str, int]:
    """The catalogued embedding models served, by handle, with their vector dimensions: the
    environment's OpenAI and every Gemini provider (the others are asked live)."""
    dims = {}
    for name, endpoint in provider_endpoints().items():
        if endpoint.protocol == "google_ai":
            dims |= {f"{name}/{model}": dim for model, dim in GOOGLE_AI_EMBEDDING_DIMS.items()}
        elif endpoint.protocol == "openai" and not endpoint.listed_live:
            dims |= {f"{name}/{model}": dim for model, dim in OPENAI_EMBEDDING_DIMS.items()}
    return dims


def _serves_any_embedding_model(provider: str) -> bool:
    """Ollama and the other OpenAI-compatible servers serve whatever they have pulled or
    loaded, so no catalogue can say which of their models embed."""
    endpoint = provider_endpoints().get(provider)
    return (
        endpoint is not None
        and endpoint.listed_live
        and endpoint.protocol
        in (
            "ollama",
            "openai",
        )
    )


async def served_embedding(handle: str) -> ModelHandle:
    """The handle's parts; 400 when it is not an embedding model served (after reloading the
    stored providers: another worker may have just stored its provider)."""
    parsed = _split(handle, "embedding")
    await serve_provider(parsed.provider)
    known = embedding_dims()
    if parsed.handle not in known and not _serves_any_embedding_model(parsed.provider):
        raise InvalidArgument(f"Embedding model {handle} not found, must be one of {list(known)}")
    return parsed


def embedding_dim(model: ModelHandle) -> int:
    """The model's vector dimension from the catalogue (a named server's models by OpenAI's
    names), whether or not its provider is configured now."""
    catalogue = {
        "google_ai": GOOGLE_AI_EMBEDDING_DIMS,
        "ollama": OLLAMA_EMBEDDING_DIMS,
    }.get(protocol_of(model.provider), OPENAI_EMBEDDING_DIMS)
    return catalogue.get(model.model, UNKNOWN_EMBEDDING_DIM)


def default_context_window(model: ModelHandle) -> int:
    return min(max_context_window(model), MAX_DEFAULT_CONTEXT_WINDOW)


def max_context_window(model: ModelHandle) -> int:
    protocol = protocol_of(model.provider)
    if protocol == "anthropic":
        return ANTHROPIC_CONTEXT_WINDOWS.get(
            undated(model.model), ANTHROPIC_UNKNOWN_MODEL_CONTEXT_WINDOW
        )
    if protocol == "google_ai":
        return GOOGLE_AI_CONTEXT_WINDOWS.get(model.model, GOOGLE_AI_UNKNOWN_MODEL_CONTEXT_WINDOW)
    return OPENAI_CONTEXT_WINDOWS.get(model.model, UNKNOWN_MODEL_CONTEXT_WINDOW)


# OpenAI's reasoning models: they take an effort, and no temperature.
OPENAI_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


def is_reasoning_model(model: ModelHandle) -> bool:
    return protocol_of(model.provider) == "openai" and model.model.startswith(
        OPENAI_REASONING_PREFIXES
    )


def accepts_images(model: ModelHandle) -> bool:
    return model.model not in TEXT_ONLY_MODELS


def undated(model: str) -> str:
    """A snapshot's alias: `claude-sonnet-4-5-20250929` is `claude-sonnet-4-5`."""
    return re.sub(r"-\d{8}$", "", model)


def list_model_handles() -> list[str]:
    """The catalogued chat models of the providers whose models are not asked live."""
    return [
        f"{name}/{model}"
        for name, endpoint in provider_endpoints().items()
        if not endpoint.listed_live
        for model in OPENAI_CONTEXT_WINDOWS
    ]
