"""The model handles lettalite serves: the catalogued ones, and what Ollama and the named
OpenAI-compatible servers report serving (asked live, see llm/discovery.py)."""

from lettalite.config import get_settings
from lettalite.llm.catalog import (
    MAX_DEFAULT_CONTEXT_WINDOW,
    ModelHandle,
    configured_providers,
    embedding_dim,
    embedding_dims,
    list_model_handles,
    max_context_window,
    provider_type,
)
from lettalite.llm.discovery import ServedModel, served_models
from lettalite.schemas.model import EmbeddingModel, Model


def _model(model: ModelHandle, endpoint: str, window: int) -> Model:
    return Model(
        name=model.model,
        model=model.model,
        display_name=model.model,
        handle=model.handle,
        model_endpoint_type=provider_type(model.provider),
        model_endpoint=endpoint,
        provider_name=model.provider,
        provider_type=provider_type(model.provider),
        context_window=min(window, MAX_DEFAULT_CONTEXT_WINDOW),  # as agents get by default
        max_context_window=window,
    )


def _embedding_model(model: ModelHandle, endpoint: str, dim: int) -> EmbeddingModel:
    return EmbeddingModel(
        name=model.model,
        display_name=model.model,
        handle=model.handle,
        embedding_model=model.model,
        embedding_endpoint_type=provider_type(model.provider),
        embedding_endpoint=endpoint,
        embedding_dim=dim,
        provider_name=model.provider,
        provider_type=provider_type(model.provider),
    )


async def _served(kind: str) -> list[tuple[ModelHandle, ServedModel]]:
    served = await served_models(get_settings())
    return [(ModelHandle(m.provider, m.name), m) for m in served if m.kind == kind]


async def list_models() -> list[Model]:
    endpoints = configured_providers()
    models = []
    for handle in list_model_handles():
        model = ModelHandle(*handle.split("/", 1))
        models.append(_model(model, endpoints[model.provider], max_context_window(model)))
    for model, served in await _served("llm"):
        window = served.context_window or max_context_window(model)
        models.append(_model(model, endpoints[model.provider], window))
    return models


async def list_embedding_models() -> list[EmbeddingModel]:
    endpoints = configured_providers()
    models = []
    for handle, dim in embedding_dims().items():
        model = ModelHandle(*handle.split("/", 1))
        models.append(_embedding_model(model, endpoints[model.provider], dim))
    for model, served in await _served("embedding"):
        dim = served.embedding_dim or embedding_dim(model)
        models.append(_embedding_model(model, endpoints[model.provider], dim))
    return models
