"""Rows rendered as wire models. Letta's legacy twins (`memory`, `llm_config`, the singular
`tool_call`) are computed here, at serialisation, from the one stored form."""

import uuid

from lettalite.config import get_settings
from lettalite.db.folder_models import FileRow, FolderRow
from lettalite.db.models import AgentRow, BlockRow, IdentityRow, PassageRow, ToolRow
from lettalite.llm.catalog import (
    DEFAULT_EMBEDDING,
    ModelHandle,
    configured_providers,
    embedding_dim,
    parse_model,
    provider_type,
)
from lettalite.schemas.agent import AgentSecret, AgentState, Memory
from lettalite.schemas.block import Block
from lettalite.schemas.folder import FileMetadata, Folder
from lettalite.schemas.identity import Identity
from lettalite.schemas.message import ApprovalRequestMessage
from lettalite.schemas.model import EmbeddingConfig, LLMConfig
from lettalite.schemas.passage import Passage
from lettalite.schemas.tool import Tool


def block_model(block: BlockRow) -> Block:
    return Block(
        id=block.id,
        label=block.label,
        value=block.value,
        limit=block.limit,
        description=block.description,
        read_only=block.read_only,
        metadata=block.metadata_ or {},
        tags=block.tags or [],
        version=block.version,
    )


def identity_model(identity: IdentityRow) -> Identity:
    return Identity(
        id=identity.id,
        identifier_key=identity.identifier_key,
        name=identity.name,
        identity_type=identity.identity_type,
        project_id=identity.project_id,
        agent_ids=[link.agent_id for link in identity.agent_links],
        block_ids=[link.block_id for link in identity.block_links],
        properties=identity.properties,
    )


def tool_model(tool: ToolRow) -> Tool:
    return Tool(
        id=tool.id,
        name=tool.name,
        tool_type=tool.tool_type,
        description=tool.description,
        json_schema=tool.json_schema,
        args_json_schema=tool.args_json_schema,
        source_type=tool.source_type,
        source_code=tool.source_code,
        tags=tool.tags or [],
        return_char_limit=tool.return_char_limit,
        default_requires_approval=tool.default_requires_approval,
        enable_parallel_execution=tool.enable_parallel_execution,
        pip_requirements=tool.pip_requirements,
        npm_requirements=tool.npm_requirements,
        metadata=tool.metadata_ or {},
    )


def llm_config(agent: AgentRow) -> LLMConfig:
    """The agent's model as Letta's `llm_config`; its `model_settings` folded in."""
    model = parse_model(agent.model)
    settings = agent.model_settings or {}
    thinking = settings.get("thinking") or settings.get("thinking_config") or {}
    return LLMConfig(
        model=model.model,
        display_name=model.model,
        model_endpoint_type=provider_type(model.provider),
        model_endpoint=configured_providers().get(model.provider),
        provider_name=model.provider,
        context_window=agent.context_window,
        handle=agent.model,
        temperature=agent.temperature if agent.temperature is not None else 1.0,
        max_tokens=agent.max_tokens,
        reasoning_effort=(settings.get("reasoning") or {}).get("reasoning_effort"),
        enable_reasoner=thinking.get("type", "enabled") == "enabled",
        max_reasoning_tokens=thinking.get("budget_tokens", thinking.get("thinking_budget", 0)),
        parallel_tool_calls=settings.get("parallel_tool_calls", False),
        effort=settings.get("effort"),
        verbosity=settings.get("verbosity"),
        strict=settings.get("strict") or False,
    )


def embedding_config(handle: str | None) -> EmbeddingConfig | None:
    if handle is None:
        return None
    provider, _, model = handle.partition("/")
    return EmbeddingConfig(
        embedding_endpoint_type=provider_type(provider),
        embedding_endpoint=configured_providers().get(provider, get_settings().openai_base_url),
        embedding_model=model,
        embedding_dim=embedding_dim(ModelHandle(provider, model)),
        handle=handle,
    )


def agent_embedding_config(handle: str | None) -> EmbeddingConfig:
    """Always an object, as clients written for Letta's 0.x API read it: without an embedding
    model (`embedding: null`, archival search by full text) it describes the model
    `embedding=DEFAULT_EMBEDDING` would use, with no handle."""
    if handle is not None:
        config = embedding_config(handle)
        assert config is not None
        return config
    default = embedding_config(DEFAULT_EMBEDDING)
    assert default is not None
    return default.model_copy(update={"handle": None})


def folder_model(folder: FolderRow) -> Folder:
    return Folder(
        id=folder.id,
        name=folder.name,
        description=folder.description,
        instructions=folder.instructions,
        metadata=folder.metadata_,
        embedding_config=agent_embedding_config(folder.embedding).model_copy(
            update={"embedding_chunk_size": folder.embedding_chunk_size}
        ),
        created_at=folder.created_at,
        updated_at=folder.updated_at,
    )


def file_model(file: FileRow, *, content: bool = False) -> FileMetadata:
    return FileMetadata(
        id=file.id,
        source_id=file.folder_id,
        file_name=file.file_name,
        original_file_name=file.original_file_name,
        file_path=file.file_path,
        file_type=file.file_type,
        file_size=file.file_size,
        file_creation_date=file.file_creation_date,
        file_last_modified_date=file.file_last_modified_date,
        processing_status=file.processing_status,
        error_message=file.error_message,
        total_chunks=file.total_chunks,
        chunks_embedded=file.chunks_embedded,
        content=file.content if content else None,
        created_at=file.created_at,
        updated_at=file.updated_at,
    )


def passage_model(passage: PassageRow) -> Passage:
    return Passage(
        id=passage.id,
        text=passage.text,
        tags=passage.tags,
        metadata=passage.metadata_ or {},
        embedding_config=embedding_config(passage.embedding_model),
        archive_id=passage.archive_id,
        created_at=passage.created_at,
        updated_at=passage.updated_at,
    )


def secret_models(agent: AgentRow) -> list[AgentSecret]:
    return [
        AgentSecret(
            id=f"agent-env-{uuid.uuid5(uuid.NAMESPACE_URL, f'{agent.id}/{key}')}",
            key=key,
            value=value,
            agent_id=agent.id,
        )
        for key, value in (agent.secrets or {}).items()
    ]


def agent_state(
    agent: AgentRow, message_ids: list[str], pending_approval: ApprovalRequestMessage | None
) -> AgentState:
    blocks = [block_model(link.block) for link in agent.block_links]
    secrets = secret_models(agent)
    identities = [identity_model(link.identity) for link in agent.identity_links]
    return AgentState(
        id=agent.id,
        name=agent.name,
        agent_type=agent.agent_type,
        description=agent.description,
        system=agent.system,
        model=agent.model,
        embedding=agent.embedding,
        llm_config=llm_config(agent),
        embedding_config=agent_embedding_config(agent.embedding),
        model_settings=agent.model_settings,
        memory=Memory(agent_type=agent.agent_type, blocks=blocks),
        blocks=blocks,
        tools=[tool_model(link.tool) for link in agent.tool_links],
        tags=[row.tag for row in agent.tag_rows],
        metadata=agent.metadata_,
        message_ids=message_ids,
        timezone=agent.timezone,
        created_at=agent.created_at,
        updated_at=agent.updated_at,
        last_stop_reason=agent.last_stop_reason,
        last_run_completion=agent.last_run_completion,
        tool_rules=agent.tool_rules or [],
        response_format=agent.response_format,
        secrets=secrets,
        tool_exec_environment_variables=secrets,
        pending_approval=pending_approval,
        identity_ids=[identity.id for identity in identities],
        identities=identities,
        template_id=agent.template_id,
        base_template_id=agent.base_template_id,
        deployment_id=agent.deployment_id,
    )
