from fastapi import APIRouter

from lettalite.api.deps import ListQuery, list_items
from lettalite.api.routing import collection_route
from lettalite.schemas.model import EmbeddingModel, Model
from lettalite.services import models as model_service

router = APIRouter(prefix="/v1/models", tags=["models"])


@collection_route(router, "GET", response_model=list[Model])
async def list_models(
    provider_category: ListQuery = None,
    provider_name: ListQuery = None,
    provider_type: ListQuery = None,
) -> list[Model]:
    where = model_service.ModelFilter(
        provider_categories=tuple(list_items(provider_category)),
        provider_names=tuple(list_items(provider_name)),
        provider_types=tuple(list_items(provider_type)),
    )
    return await model_service.list_models(where)


@router.get("/embedding", response_model=list[EmbeddingModel])
async def list_embedding_models() -> list[EmbeddingModel]:
    return await model_service.list_embedding_models()
