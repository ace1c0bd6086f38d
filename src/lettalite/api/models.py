from fastapi import APIRouter

from lettalite.api.routing import collection_route
from lettalite.schemas.model import EmbeddingModel, Model
from lettalite.services import models as model_service

router = APIRouter(prefix="/v1/models", tags=["models"])


@collection_route(router, "GET", response_model=list[Model])
async def list_models() -> list[Model]:
    return await model_service.list_models()


@router.get("/embedding", response_model=list[EmbeddingModel])
async def list_embedding_models() -> list[EmbeddingModel]:
    return await model_service.list_embedding_models()
