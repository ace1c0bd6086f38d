from lettalite.api.deps import DatabaseDep, ListQuery, list_items
from lettalite.api.routing import api_router
from lettalite.config import get_settings
from lettalite.schemas.chat_completion import OpenAIModelList
from lettalite.schemas.model import EmbeddingModel, Model
from lettalite.services import chat_completions as chat_service
from lettalite.services import models as model_service

router = api_router(prefix="/v1/models", tags=["models"])


def model_filter(
    provider_category: ListQuery = None,
    provider_name: ListQuery = None,
    provider_type: ListQuery = None,
) -> model_service.ModelFilter:
    return model_service.ModelFilter(
        provider_categories=tuple(list_items(provider_category)),
        provider_names=tuple(list_items(provider_name)),
        provider_types=tuple(list_items(provider_type)),
    )


@router.get("/", response_model=list[Model])
async def list_models(
    provider_category: ListQuery = None,
    provider_name: ListQuery = None,
    provider_type: ListQuery = None,
) -> list[Model]:
    where = model_filter(provider_category, provider_name, provider_type)
    return await model_service.list_models(where)


@router.get(
    "",
    response_model=list[Model] | OpenAIModelList,
    include_in_schema=False,
    description="As `/v1/models/`; with LETTALITE_LIST_AGENTS_AS_MODELS, the agents as models "
    "in OpenAI's list shape (OpenAI clients call this path, Letta's SDKs the one with a slash).",
)
async def list_models_or_agents(
    database: DatabaseDep,
    provider_category: ListQuery = None,
    provider_name: ListQuery = None,
    provider_type: ListQuery = None,
) -> list[Model] | OpenAIModelList:
    if get_settings().list_agents_as_models:
        return await chat_service.agents_as_models(database)
    where = model_filter(provider_category, provider_name, provider_type)
    return await model_service.list_models(where)


@router.get("/embedding", response_model=list[EmbeddingModel])
async def list_embedding_models() -> list[EmbeddingModel]:
    return await model_service.list_embedding_models()
