"""The model handles lettalite serves."""

from lettalite.llm.catalog import (
    configured_providers,
    default_context_window,
    embedding_dims,
    list_model_handles,
    max_context_window,
    resolve_model,
)
from lettalite.schemas.model import EmbeddingModel, Model


def list_models() -> list[Model]:
    endpoints = configured_providers()
    models = []
    for handle in list_model_handles():
        model = resolve_model(handle)
        models.append(
            Model(
                name=model.model,
                model=model.model,
                display_name=model.model,
                handle=handle,
                model_endpoint_type=model.provider,
                model_endpoint=endpoints[model.provider],
                provider_name=model.provider,
                provider_type=model.provider,
                context_window=default_context_window(model),
                max_context_window=max_context_window(model),
            )
        )
    return models


def list_embedding_models() -> list[EmbeddingModel]:
    endpoints = configured_providers()
    models = []
    for handle, dim in embedding_dims().items():
        provider, _, name = handle.partition("/")
        models.append(
            EmbeddingModel(
                name=name,
                display_name=name,
                handle=handle,
                embedding_model=name,
                embedding_endpoint_type=provider,
                embedding_endpoint=endpoints[provider],
                embedding_dim=dim,
                provider_name=provider,
                provider_type=provider,
            )
        )
    return models
