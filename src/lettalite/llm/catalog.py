"""Which model handles lettalite serves: `provider/model` strings and their properties."""

from dataclasses import dataclass

from lettalite.errors import InvalidArgument, NotFound

PROVIDERS = ("openai",)
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
# Chat models known not to accept image input; any other model is sent the user's images.
TEXT_ONLY_MODELS = frozenset({"gpt-3.5-turbo", "o1-mini", "o3-mini"})
DEFAULT_EMBEDDING = "openai/text-embedding-3-small"
OPENAI_EMBEDDING_DIMS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


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


def resolve_model(handle: str) -> ModelHandle:
    parsed = _split(handle, "model")
    if parsed.provider not in PROVIDERS:
        raise NotFound(f"Handle {handle} not found, must be one of {list_model_handles()}")
    return parsed


def resolve_embedding(handle: str) -> ModelHandle:
    parsed = _split(handle, "embedding")
    if parsed.provider not in PROVIDERS or parsed.model not in OPENAI_EMBEDDING_DIMS:
        known = [f"openai/{name}" for name in OPENAI_EMBEDDING_DIMS]
        raise InvalidArgument(f"Embedding model {handle} not found, must be one of {known}")
    return parsed


def default_context_window(model: ModelHandle) -> int:
    window = OPENAI_CONTEXT_WINDOWS.get(model.model, UNKNOWN_MODEL_CONTEXT_WINDOW)
    return min(window, MAX_DEFAULT_CONTEXT_WINDOW)


def max_context_window(model: ModelHandle) -> int:
    return OPENAI_CONTEXT_WINDOWS.get(model.model, UNKNOWN_MODEL_CONTEXT_WINDOW)


def accepts_images(model: ModelHandle) -> bool:
    return model.model not in TEXT_ONLY_MODELS


def list_model_handles() -> list[str]:
    return [f"openai/{name}" for name in OPENAI_CONTEXT_WINDOWS]
