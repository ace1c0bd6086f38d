"""Templates: an agent saved as an Agent File without messages, in numbered versions, and
agents made from a version.

A template has a working copy (`current`, which `update` replaces) and the versions `save`
made of it; version 1 is saved when the template is created. Agents made from a version are
imported from its snapshot and remember the template, the version and the request.
"""

import copy
import re
import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.embedder import Embedder
from lettalite.db import agents as agent_queries
from lettalite.db import identities as identity_queries
from lettalite.db import templates as template_queries
from lettalite.db.models import IdentityAgentRow
from lettalite.db.server_models import TemplateRow, TemplateVersionRow
from lettalite.db.session import flush
from lettalite.errors import Conflict, InvalidArgument, NotFound
from lettalite.ids import new_id
from lettalite.schemas.agent_file import AgentFile
from lettalite.schemas.template import (
    PROJECT,
    AgentsFromTemplate,
    CreateAgentsFromTemplate,
    CreateTemplate,
    InitialMessage,
    SaveTemplate,
    Template,
    TemplateFromAgentFile,
    TemplatePage,
    TemplateVersion,
    TemplateVersionPage,
    UpdateTemplate,
)
from lettalite.services.agent_files import (
    ImportOptions,
    export_agent_file,
    import_agent_file,
    validate_agent_file,
)
from lettalite.services.mcp_servers import McpRuntime

LATEST = "latest"
# `{{ name }}` in a block's value: a memory variable an agent made from the template fills.
MEMORY_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")


def template_model(template: TemplateRow) -> Template:
    version = str(template.latest_version)
    return Template(
        id=template.id,
        name=template.name,
        latest_version=version,
        template_deployment_slug=f"{PROJECT}/{template.name}:{version}",
        updated_at=template.updated_at,
    )


def _without_messages(document: AgentFile) -> dict[str, Any]:
    agents = [
        agent.model_copy(update={"messages": [], "in_context_message_ids": []})
        for agent in document.agents
    ]
    return document.model_copy(update={"agents": agents, "created_at": None}).model_dump(
        mode="json"
    )


async def _agent_snapshot(session: AsyncSession, agent_id: str) -> dict[str, Any]:
    document = await export_agent_file(session, agent_id, scrub_messages=True)
    return _without_messages(validate_agent_file(document))


def _save_version(session: AsyncSession, template: TemplateRow, message: str | None) -> None:
    template.latest_version += 1
    session.add(
        TemplateVersionRow(
            id=new_id("template_version"),
            template_id=template.id,
            version=template.latest_version,
            snapshot=template.current,
            message=message,
        )
    )


async def _has_unsaved_changes(session: AsyncSession, template: TemplateRow) -> bool:
    latest = await template_queries.get_version(session, template, template.latest_version)
    return latest.snapshot != template.current


async def create_template(session: AsyncSession, request: CreateTemplate) -> Template:
    if isinstance(request, TemplateFromAgentFile):
        snapshot = _without_messages(validate_agent_file(request.agent_file))
    else:
        snapshot = await _agent_snapshot(session, request.agent_id)
    name = request.name or f"template-{secrets.token_hex(4)}"
    if await template_queries.find_template(session, name) is not None:
        raise Conflict(f"A template named {name} already exists")
    template = TemplateRow(
        id=new_id("template"),
        name=name,
        current=snapshot,
        latest_version=0,
        update_existing_tools=getattr(request, "update_existing_tools", False),
    )
    session.add(template)
    _save_version(session, template, None)
    await flush(session)
    return template_model(template)


async def save_template(session: AsyncSession, name: str, request: SaveTemplate) -> Template:
    template = await template_queries.get_template(session, _template_name(name))
    if request.migrate_agents:
        raise InvalidArgument(
            "migrate_agents is not supported by this server: agents made from a template "
            "keep the version they were made from"
        )
    _save_version(session, template, request.message)
    await flush(session)
    return template_model(template)


async def update_template(session: AsyncSession, name: str, request: UpdateTemplate) -> str:
    """Replace the working copy; returns what happened."""
    template = await template_queries.get_template(session, name)
    snapshot = _without_messages(validate_agent_file(request.agent_file_json))
    saved = ""
    if request.save_existing_changes and await _has_unsaved_changes(session, template):
        _save_version(session, template, "Saved before an update")
        saved = f"; its unsaved changes were saved as version {template.latest_version}"
    template.current = snapshot
    template.update_existing_tools = request.update_existing_tools
    await flush(session)
    return f"Template {name} updated{saved}"


def _version_number(template: TemplateRow, version: str) -> int:
    if version == LATEST:
        return template.latest_version
    if version in ("current", "dev"):
        raise InvalidArgument(f'version must be a saved version or "latest", not "{version}"')
    if not version.isdigit() or int(version) < 1:
        raise InvalidArgument(
            f'version must be a version number (1, 2, ...) or "latest", got "{version}"'
        )
    return int(version)


async def rollback_template(session: AsyncSession, name: str, version: str) -> str:
    template = await template_queries.get_template(session, name)
    target = await template_queries.get_version(
        session, template, _version_number(template, version)
    )
    saved = ""
    if await _has_unsaved_changes(session, template):
        _save_version(session, template, f"Saved before rolling back to version {target.version}")
        saved = f" (unsaved changes were saved as version {template.latest_version})"
    template.current = target.snapshot
    await flush(session)
    return f"Template {name} rolled back to version {target.version}{saved}"


async def delete_template(session: AsyncSession, name: str) -> None:
    template = await template_queries.get_template(session, name)
    await session.delete(template)
    await flush(session)


async def list_templates(
    session: AsyncSession,
    *,
    name: str | None,
    exact: bool,
    template_id: str | None,
    sort_by: str,
    offset: int,
    limit: int,
) -> TemplatePage:
    rows = await template_queries.list_templates(
        session,
        name=name,
        exact=exact,
        template_id=template_id,
        sort_by=sort_by,
        offset=offset,
        limit=limit,
    )
    return TemplatePage(
        templates=[template_model(row) for row in rows[:limit]], has_next_page=len(rows) > limit
    )


async def list_versions(
    session: AsyncSession, name: str, *, offset: int, limit: int
) -> TemplateVersionPage:
    template = await template_queries.get_template(session, name)
    rows = await template_queries.list_versions(session, template, offset=offset, limit=limit)
    versions = [
        TemplateVersion(
            version=str(row.version),
            created_at=row.created_at,
            message=row.message,
            is_latest=row.version == template.latest_version,
        )
        for row in rows[:limit]
    ]
    return TemplateVersionPage(
        versions=versions, has_next_page=len(rows) > limit, total_count=template.latest_version
    )


def _template_name(template_version: str) -> str:
    return template_version.split(":", 1)[0]


async def _version_to_deploy(session: AsyncSession, template_version: str) -> TemplateVersionRow:
    """`name:3`, `name:latest`, or `name` (the latest version)."""
    name, _, version = template_version.partition(":")
    template = await template_queries.get_template(session, name)
    return await template_queries.get_version(
        session, template, _version_number(template, version or LATEST)
    )


def _filled(value: str, variables: dict[str, str]) -> str:
    return MEMORY_VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), value)


def _message_entries(index: int, messages: list[InitialMessage]) -> list[dict[str, Any]]:
    return [
        {
            **message.model_dump(exclude={"content"}, exclude_none=True),
            "id": f"message-{index}-{position}",
            "content": [{"type": "text", "text": message.content}],
        }
        for position, message in enumerate(messages)
    ]


def _customised(snapshot: dict[str, Any], request: CreateAgentsFromTemplate) -> AgentFile:
    """The snapshot with the request's tags, variables and first messages."""
    document = copy.deepcopy(snapshot)
    for block in document["blocks"]:
        block["value"] = _filled(block["value"], request.memory_variables or {})
    for index, agent in enumerate(document["agents"]):
        if request.tags is not None:
            agent["tags"] = request.tags
        if request.tool_variables:
            agent["secrets"] = {**(agent.get("secrets") or {}), **request.tool_variables}
        if request.initial_message_sequence:
            agent["messages"] = _message_entries(index, request.initial_message_sequence)
    return validate_agent_file(document)


async def _existing_identities(session: AsyncSession, identity_ids: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(identity_ids))
    found = await identity_queries.identities_by_id(session, wanted)
    if missing := [i for i in wanted if i not in found]:
        raise NotFound(f"Identity {', '.join(missing)} not found")
    return wanted


async def create_agents(
    session: AsyncSession,
    template_version: str,
    request: CreateAgentsFromTemplate,
    *,
    runtime: McpRuntime,
    embedder: Embedder,
) -> AgentsFromTemplate:
    version = await _version_to_deploy(session, template_version)
    identity_ids = await _existing_identities(session, request.identity_ids or [])
    template = await session.get_one(TemplateRow, version.template_id)
    options = ImportOptions(
        append_copy_suffix=False,
        name=request.agent_name,
        override_existing_tools=template.update_existing_tools,
    )
    document = _customised(version.snapshot, request)
    agent_ids = await import_agent_file(
        session, document, options, runtime=runtime, embedder=embedder
    )
    deployment_id = new_id("deployment")
    for agent_id in agent_ids:
        agent = await agent_queries.get_agent_row(session, agent_id)
        agent.base_template_id, agent.template_id = template.id, version.id
        agent.deployment_id = deployment_id
        session.add_all(IdentityAgentRow(identity_id=i, agent_id=agent_id) for i in identity_ids)
    await flush(session)
    return AgentsFromTemplate(agent_ids=agent_ids, deployment_id=deployment_id)
