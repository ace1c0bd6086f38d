"""Templates (`client.templates`, `client.templates.agents`): agents saved as versioned
Agent Files, agents made from a version, and rolling the working copy back."""

from typing import Annotated, Literal

from fastapi import Path, Query

from lettalite.agent.embedder import Embedder
from lettalite.api.deps import McpDep, ModelClientsDep, SessionDep
from lettalite.api.errors import WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router, collection_route
from lettalite.schemas.template import (
    AgentsFromTemplate,
    CreateAgentsFromTemplate,
    CreateTemplate,
    RollbackTemplate,
    SaveTemplate,
    Template,
    TemplateOutcome,
    TemplatePage,
    TemplateVersionPage,
    UpdateTemplate,
)
from lettalite.services import templates as template_service

router = api_router(tags=["templates"])
TEMPLATES = "/v1/templates"
TemplateName = Annotated[str, Path(min_length=1, max_length=255)]
# `name:3`, `name:latest` or `name`.
TemplateVersion = Annotated[str, Path(min_length=1, max_length=300)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]
Limit = Annotated[int, Query(ge=1, le=1000)]
ShortText = Annotated[str | None, Query(max_length=255)]


@collection_route(
    router,
    "POST",
    TEMPLATES,
    response_model=Template,
    status_code=201,
    responses=WRITE_ERROR_RESPONSES,
)
async def create_template(body: CreateTemplate, session: SessionDep) -> Template:
    return await template_service.create_template(session, body)


@collection_route(router, "GET", TEMPLATES, response_model=TemplatePage)
async def list_templates(
    session: SessionDep,
    offset: Offset = 0,
    limit: Limit = 50,
    name: ShortText = None,
    search: ShortText = None,
    exact: bool = False,
    template_id: ShortText = None,
    sort_by: Literal["updated_at", "created_at"] = "updated_at",
    version: ShortText = None,  # Letta Cloud's; each template is listed at its latest here
    project_id: ShortText = None,  # lettalite has no projects
    project_slug: ShortText = None,
) -> TemplatePage:
    return await template_service.list_templates(
        session,
        name=name if name is not None else search,
        exact=exact and name is not None,
        template_id=template_id,
        sort_by=sort_by,
        offset=offset,
        limit=limit,
    )


@router.patch(
    f"{TEMPLATES}/{{template_name}}",
    response_model=TemplateOutcome,
    responses=WRITE_ERROR_RESPONSES,
)
async def update_template(
    template_name: TemplateName, body: UpdateTemplate, session: SessionDep
) -> TemplateOutcome:
    message = await template_service.update_template(session, template_name, body)
    return TemplateOutcome(message=message)


@router.delete(f"{TEMPLATES}/{{template_name}}", response_model=TemplateOutcome)
async def delete_template(template_name: TemplateName, session: SessionDep) -> TemplateOutcome:
    await template_service.delete_template(session, template_name)
    return TemplateOutcome()


@router.post(
    f"{TEMPLATES}/{{template_name}}/save",
    response_model=Template,
    responses=WRITE_ERROR_RESPONSES,
)
async def save_template(
    template_name: TemplateName, session: SessionDep, body: SaveTemplate | None = None
) -> Template:
    return await template_service.save_template(session, template_name, body or SaveTemplate())


@router.post(
    f"{TEMPLATES}/{{template_name}}/rollback",
    response_model=TemplateOutcome,
    responses=WRITE_ERROR_RESPONSES,
)
async def rollback_template(
    template_name: TemplateName, body: RollbackTemplate, session: SessionDep
) -> TemplateOutcome:
    message = await template_service.rollback_template(session, template_name, body.version)
    return TemplateOutcome(message=message)


@router.get(f"{TEMPLATES}/{{project_id}}/{{template_name}}/versions")
async def list_template_versions(
    project_id: Annotated[str, Path(max_length=255)],  # lettalite has no projects
    template_name: TemplateName,
    session: SessionDep,
    offset: Offset = 0,
    limit: Limit = 50,
) -> TemplateVersionPage:
    return await template_service.list_versions(session, template_name, offset=offset, limit=limit)


@router.post(
    f"{TEMPLATES}/{{template_version}}/agents",
    response_model=AgentsFromTemplate,
    status_code=201,
    responses=WRITE_ERROR_RESPONSES,
)
async def create_agents_from_template(
    template_version: TemplateVersion,
    session: SessionDep,
    mcp: McpDep,
    clients: ModelClientsDep,
    body: CreateAgentsFromTemplate | None = None,
) -> AgentsFromTemplate:
    return await template_service.create_agents(
        session,
        template_version,
        body or CreateAgentsFromTemplate(),
        runtime=mcp,
        embedder=Embedder(clients),
    )
