"""The model handles lettalite serves: the catalogued ones, and what the providers report
serving (asked live, see llm/discovery.py)."""

from dataclasses import dataclass

from lettalite.llm.catalog import (
    MAX_DEFAULT_CONTEXT_WINDOW,
    ModelHandle,
    embedding_dim,
    embedding_dims,
    list_model_handles,
    max_context_window,
)
from lettalite.llm.discovery import ServedModel, served_models
from lettalite.llm.endpoints import ProviderEndpoint, provider_endpoints
from lettalite.schemas.model import EmbeddingModel, Model


@dataclass(frozen=True)
class ModelFilter:
    """`GET /v1/models` query: each given list narrows the listing (empty: no narrowing)."""

    provider_categories: tuple[str, ...] = ()
    provider_names: tuple[str, ...] = ()
    provider_types: tuple[str, ...] = ()

    def admits(self, endpoint: ProviderEndpoint) -> bool:
        return (
            (not self.provider_categories or endpoint.category in self.provider_categories)
            and (not self.provider_names or endpoint.name in self.provider_names)
            and (not self.provider_types or endpoint.provider_type in self.provider_types)
        )


def _model(model: ModelHandle, endpoint: ProviderEndpoint, window: int) -> Model:
    return Model(
        name=model.model,
        model=model.model,
        display_name=model.model,
        handle=model.handle,
        model_endpoint_type=endpoint.provider_type,
        model_endpoint=endpoint.base_url,
        provider_name=model.provider,
        provider_category=endpoint.category,
        provider_type=endpoint.provider_type,
        context_window=min(window, MAX_DEFAULT_CONTEXT_WINDOW),  # as agents get by default
        max_context_window=window,
    )


def _embedding_model(model: ModelHandle, endpoint: ProviderEndpoint, dim: int) -> EmbeddingModel:
    return EmbeddingModel(
        name=model.model,
        display_name=model.model,
        handle=model.handle,
        embedding_model=model.model,
        embedding_endpoint_type=endpoint.provider_type,
        embedding_endpoint=endpoint.base_url,
        embedding_dim=dim,
        provider_name=model.provider,
        provider_type=endpoint.provider_type,
    )


async def _served(
    kind: str, endpoints: dict[str, ProviderEndpoint]
) -> list[tuple[ModelHandle, ServedModel]]:
    served = await served_models(endpoints.values())
    return [(ModelHandle(m.provider, m.name), m) for m in served if m.kind == kind]


async def list_models(where: ModelFilter = ModelFilter()) -> list[Model]:
    endpoints = provider_endpoints()
    models = []
    for handle in list_model_handles():
        model = ModelHandle(*handle.split("/", 1))
        models.append(_model(model, endpoints[model.provider], max_context_window(model)))
    for model, served in await _served("llm", endpoints):
        window = served.context_window or max_context_window(model)
        models.append(_model(model, endpoints[model.provider], window))
    return [model for model in models if where.admits(endpoints[model.provider_name or ""])]


async def list_embedding_models() -> list[EmbeddingModel]:
    endpoints = provider_endpoints()
    models = []
    for handle, dim in embedding_dims().items():
        model = ModelHandle(*handle.split("/", 1))
        models.append(_embedding_model(model, endpoints[model.provider], dim))
    catalogued = {model.handle for model in models}
    for model, served in await _served("embedding", endpoints):
        if model.handle not in catalogued:
            dim = served.embedding_dim or embedding_dim(model)
            models.append(_embedding_model(model, endpoints[model.provider], dim))
    return models
