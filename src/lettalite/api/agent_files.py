"""Agent Files (`.af`): export an agent as one JSON document, import one as new agents."""

import json
from typing import Annotated, Any

from fastapi import (
    BackgroundTasks,
    Body,
    File,
    Form,
    Header,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import Response

from lettalite.agent.embedder import Embedder
from lettalite.api.deps import AgentId, McpDep, ModelClientsDep, SessionDep
from lettalite.api.errors import WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router
from lettalite.errors import InvalidArgument
from lettalite.schemas.agent_file import ExportAgentRequest, ImportedAgents
from lettalite.services.agent_files import (
    ImportOptions,
    agent_file_to_legacy,
    document_text,
    export_agent_file,
    import_agent_file,
    parse_agent_file,
)

router = api_router(prefix="/v1/agents", tags=["agents"])
ConversationQuery = Annotated[str | None, Query(max_length=128)]
# The upload is read whole (it is validated whole); the request guard bounds its size.
FormText = Annotated[str | None, Form(max_length=255)]


def _document_response(document: dict[str, Any]) -> Response:
    return Response(document_text(document), media_type="application/json")


@router.get("/{agent_id}/export", response_model=str)
async def export_agent(
    agent_id: AgentId,
    session: SessionDep,
    conversation_id: ConversationQuery = None,
    scrub_messages: bool = False,
    use_legacy_format: bool = False,
    max_steps: int | None = None,  # deprecated in Letta and unused there too
) -> Response:
    document = await export_agent_file(
        session, agent_id, conversation_id=conversation_id, scrub_messages=scrub_messages
    )
    return _document_response(agent_file_to_legacy(document) if use_legacy_format else document)


@router.post("/{agent_id}/export", response_model=str)
async def export_agent_with_skills(
    agent_id: AgentId,
    session: SessionDep,
    body: Annotated[ExportAgentRequest | None, Body()] = None,
) -> Response:
    request = body or ExportAgentRequest()
    document = await export_agent_file(
        session,
        agent_id,
        conversation_id=request.conversation_id,
        scrub_messages=request.scrub_messages,
    )
    document["skills"] = [skill.model_dump(exclude_none=True) for skill in request.skills]
    return _document_response(document)


def _secrets(text: str | None) -> dict[str, str]:
    if text is None:
        return {}
    try:
        secrets = json.loads(text)
    except json.JSONDecodeError:
        secrets = None
    if not isinstance(secrets, dict) or not all(isinstance(v, str) for v in secrets.values()):
        raise InvalidArgument("secrets must be a valid JSON string")
    return secrets


@router.post("/import", response_model=ImportedAgents, responses=WRITE_ERROR_RESPONSES)
async def import_agent(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    mcp: McpDep,
    clients: ModelClientsDep,
    file: Annotated[UploadFile, File()],
    append_copy_suffix: Annotated[bool, Form()] = True,
    override_existing_tools: Annotated[bool, Form()] = True,
    strip_messages: Annotated[bool, Form()] = False,
    name: FormText = None,
    override_name: FormText = None,
    model: FormText = None,
    override_model_handle: FormText = None,
    embedding: FormText = None,
    override_embedding_handle: FormText = None,
    secrets: Annotated[str | None, Form()] = None,
    env_vars_json: Annotated[str | None, Form()] = None,
    project_id: FormText = None,  # accepted, as Letta's; lettalite has no projects
    x_override_embedding_model: Annotated[str | None, Header(max_length=255)] = None,
) -> ImportedAgents:
    document = parse_agent_file(await file.read())
    options = ImportOptions(
        append_copy_suffix=append_copy_suffix,
        name=name or override_name,
        override_existing_tools=override_existing_tools,
        strip_messages=strip_messages,
        secrets=_secrets(secrets if secrets is not None else env_vars_json),
        model=model or override_model_handle,
        embedding=embedding or override_embedding_handle or x_override_embedding_model,
    )
    agent_ids = await import_agent_file(
        session, document, options, runtime=mcp, embedder=Embedder(clients)
    )
    if document.files:  # after the commit: their text is chunked and embedded again
        background.add_task(request.app.state.file_processor.wake)
    return ImportedAgents(agent_ids=agent_ids)
