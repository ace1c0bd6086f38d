"""Templates on the wire: an agent saved as versioned Agent Files, and agents made from one."""

from typing import Annotated, Any, Literal

from pydantic import Field

from lettalite.schemas.common import (
    MAX_MESSAGES_PER_SEND,
    MAX_TAGS,
    RequestModel,
    ResourceTime,
    WireModel,
)

# What Letta's API allows in a template name (the name is also a path segment).
TEMPLATE_NAME_PATTERN = r"^[a-zA-Z0-9_-]+$"
TemplateName = Annotated[str, Field(min_length=1, max_length=255, pattern=TEMPLATE_NAME_PATTERN)]
# lettalite has no projects: every template is in this one.
PROJECT = "default"
VariableName = Annotated[str, Field(min_length=1, max_length=255)]


class TemplateFromAgent(RequestModel):
    """Create a template from an existing agent."""

    type: Literal["agent"]
    agent_id: str = Field(max_length=64)
    name: TemplateName | None = None


class TemplateFromAgentFile(RequestModel):
    """Create a template from an Agent File."""

    type: Literal["agent_file"]
    agent_file: dict[str, Any]
    name: TemplateName | None = None
    update_existing_tools: bool = False


# As in Letta's schema: which fields are required depends on `type`.
CreateTemplate = Annotated[TemplateFromAgent | TemplateFromAgentFile, Field(discriminator="type")]


class UpdateTemplate(RequestModel):
    agent_file_json: dict[str, Any]
    update_existing_tools: bool = False
    save_existing_changes: bool = False


class SaveTemplate(RequestModel):
    message: str | None = Field(None, max_length=10_000)
    migrate_agents: bool = False
    # Only meaningful when agents are migrated, which lettalite does not do (README).
    preserve_core_memories_on_migration: bool = False
    preserve_environment_variables_on_migration: bool = False
    preserve_sources_on_migration: bool = False
    block_reconciliation_strategy: Literal["reconcile-all", "preserve-deleted"] = "preserve-deleted"


class RollbackTemplate(RequestModel):
    version: str = Field(min_length=1, max_length=32)


class InitialMessage(RequestModel):
    role: Literal["user", "system", "assistant"]
    content: str = Field(max_length=1_000_000)
    name: str | None = Field(None, max_length=255)
    otid: str | None = Field(None, max_length=64)
    sender_id: str | None = Field(None, max_length=255)
    batch_item_id: str | None = Field(None, max_length=255)
    group_id: str | None = Field(None, max_length=128)


class CreateAgentsFromTemplate(RequestModel):
    agent_name: str | None = Field(None, min_length=1, max_length=255)
    tags: list[Annotated[str, Field(max_length=255)]] | None = Field(None, max_length=MAX_TAGS)
    identity_ids: list[str] | None = Field(None, max_length=MAX_TAGS)
    memory_variables: dict[VariableName, str] | None = None
    tool_variables: dict[VariableName, str] | None = None
    initial_message_sequence: list[InitialMessage] | None = Field(
        None, max_length=MAX_MESSAGES_PER_SEND
    )


class Template(WireModel):
    id: str
    name: str
    project_id: str = PROJECT
    project_slug: str = PROJECT
    latest_version: str
    description: str | None = None
    template_deployment_slug: str
    updated_at: ResourceTime


class TemplatePage(WireModel):
    templates: list[Template]
    has_next_page: bool


class TemplateVersion(WireModel):
    version: str
    created_at: ResourceTime
    message: str | None = None
    is_latest: bool


class TemplateVersionPage(WireModel):
    versions: list[TemplateVersion]
    has_next_page: bool
    total_count: int


class TemplateOutcome(WireModel):
    """What `update`, `rollback` and `delete` answer."""

    success: bool = True
    message: str | None = None


class AgentsFromTemplate(WireModel):
    agent_ids: list[str]
    deployment_id: str
    group_id: str | None = None
