"""Agent File (`.af`) documents: Letta's `AgentFileSchema`, validated whole before an import
writes anything, and built by an export.

Every entity declares the fields of Letta's documented shape and refuses any other key, so a
mistyped or foreign field is a 400 naming it rather than something silently dropped. Lists and
strings are bounded: one request can only ask for a bounded amount of work.

lettalite adds one key Letta does not write (and ignores on import): `passages` on an agent,
its archival memory.
"""

from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from lettalite.schemas.agent import MAX_CONTEXT_WINDOW, MAX_SECRETS
from lettalite.schemas.block import MAX_BLOCK_LIMIT
from lettalite.schemas.common import (
    MAX_ITEMS,
    MAX_PARTS,
    MAX_TAGS,
    InputTime,
    RequestModel,
    Tag,
    WireModel,
)
from lettalite.schemas.message import ApprovalItem
from lettalite.schemas.tool import MAX_RETURN_CHAR_LIMIT, MAX_SOURCE_CHARS
from lettalite.schemas.tool_rule import ResponseFormat, ToolRule
from lettalite.tools.blocks import LABEL_PATTERN

MAX_FILE_AGENTS = 100
MAX_FILE_BLOCKS = 1000
MAX_FILE_TOOLS = 1000
MAX_FILE_MESSAGES = 20_000  # per agent
MAX_FILE_PASSAGES = 20_000  # per agent
MAX_TEXT = 10_000_000  # characters of any one block value, message part or passage
MAX_VECTOR = 8192
# Letta's limit for one archival memory is 8192 tokens: about 32,000 characters.
MAX_PASSAGE_CHARS = 100_000
Name = Annotated[str, Field(max_length=255)]
MAX_FILE_CONTENT = 20_000_000  # characters of one file's text
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Ids = Annotated[list[Annotated[str, Field(max_length=128)]], Field(max_length=MAX_ITEMS)]


def _file_id(prefix: str) -> Any:
    """An id within the document: `<prefix>-<anything short>` (Letta writes `<prefix>-<n>`)."""
    return Annotated[str, Field(pattern=rf"^{prefix}-[A-Za-z0-9_\-]{{1,100}}$")]


AgentFileId = _file_id("agent")
MessageFileId = _file_id("message")
PassageFileId = _file_id("passage")
BlockFileId = _file_id("block")
ToolFileId = _file_id("tool")
McpServerFileId = _file_id("mcp_server")
GroupFileId = _file_id("group")


class FileEntity(RequestModel):
    """An entity of the document: unknown keys are refused, naming them."""

    model_config = ConfigDict(extra="forbid")


class LLMConfigEntry(RequestModel):
    """An agent's `llm_config` as Letta 0.x and 1.x write it; only these parts are read, the
    many provider-specific others are ignored."""

    model: str | None = Field(None, max_length=255)
    handle: str | None = Field(None, max_length=255)
    model_endpoint_type: str | None = Field(None, max_length=64)
    provider_name: str | None = Field(None, max_length=255)
    context_window: int | None = Field(None, ge=1, le=MAX_CONTEXT_WINDOW)
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, ge=1, le=MAX_CONTEXT_WINDOW)


class EmbeddingConfigEntry(RequestModel):
    embedding_model: str | None = Field(None, max_length=255)
    embedding_endpoint_type: str | None = Field(None, max_length=64)
    handle: str | None = Field(None, max_length=255)
    embedding_dim: int | None = Field(None, ge=1, le=MAX_VECTOR)


class ToolCallFunction(RequestModel):
    name: Name
    arguments: Text


class ToolCallEntry(RequestModel):
    """OpenAI's tool call shape; lettalite adds `requires_approval` and `refused`."""

    id: str = Field(max_length=255)
    type: Literal["function"] = "function"
    function: ToolCallFunction
    requires_approval: bool | None = None
    refused: str | None = Field(None, max_length=MAX_TEXT)


class ToolReturnEntry(RequestModel):
    tool_call_id: str | None = Field(None, max_length=255)
    status: Literal["success", "error"] = "success"
    stdout: list[Text] | None = Field(None, max_length=MAX_ITEMS)
    stderr: list[Text] | None = Field(None, max_length=MAX_ITEMS)
    func_response: Text | None = None


# What the parts lettalite reads must hold: part type -> (key, its type).
PART_SHAPES: dict[str, tuple[str, type]] = {
    "text": ("text", str),
    "reasoning": ("reasoning", str),
    "image": ("source", dict),
}


class ContentPart(RequestModel):
    """A content part (`text`, `reasoning`, `image`, ...), kept with all its keys; parts of
    other types (Letta's omitted or redacted reasoning) are kept and not shown."""

    model_config = ConfigDict(extra="allow")

    type: Name

    @model_validator(mode="after")
    def _readable(self) -> Self:
        key, kind = PART_SHAPES.get(self.type, (None, object))
        if key is not None and not isinstance((self.model_extra or {}).get(key), kind):
            raise ValueError(f"a {self.type} part needs `{key}` ({kind.__name__})")
        return self


class MessageEntry(FileEntity):
    id: MessageFileId
    type: str | None = "message"
    role: Literal["assistant", "user", "tool", "function", "system", "approval", "summary"]
    content: Annotated[list[ContentPart], Field(max_length=MAX_PARTS)] | Text
    name: Name | None = None
    otid: str | None = Field(None, max_length=64)
    sender_id: str | None = Field(None, max_length=255)
    batch_item_id: str | None = Field(None, max_length=255)
    group_id: str | None = Field(None, max_length=128)
    model: Name | None = None
    agent_id: str | None = Field(None, max_length=128)
    tool_calls: list[ToolCallEntry] | None = Field(None, max_length=MAX_ITEMS)
    tool_call_id: str | None = Field(None, max_length=255)
    tool_returns: list[ToolReturnEntry] | None = Field(None, max_length=MAX_ITEMS)
    created_at: InputTime | None = None
    approve: bool | None = None
    approval_request_id: str | None = Field(None, max_length=255)
    denial_reason: Text | None = None
    approvals: list[ApprovalItem] | None = Field(None, max_length=MAX_ITEMS)


class PassageEntry(FileEntity):
    """lettalite's archival memory of an agent, with its vector when it has one."""

    id: PassageFileId
    text: str = Field(max_length=MAX_PASSAGE_CHARS)
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    metadata: dict[str, Any] | None = None
    created_at: InputTime | None = None
    embedding_model: Name | None = None
    embedding: list[float] | None = Field(None, max_length=MAX_VECTOR)


class FileAgentEntry(FileEntity):
    id: str = Field(max_length=128)
    agent_id: str = Field(max_length=128)
    file_id: str = Field(max_length=128)
    source_id: str = Field(max_length=128)
    file_name: Name
    is_open: bool = True
    visible_content: Text | None = None
    last_accessed_at: str | None = Field(None, max_length=64)
    start_line: int | None = None
    end_line: int | None = None


class AgentEntry(FileEntity):
    """Letta's `AgentSchema`: `CreateAgent`'s fields and the agent's references."""

    id: AgentFileId
    name: Name | None = None
    agent_type: Name = "letta_v1_agent"
    system: Text | None = None
    description: Text | None = None
    metadata: dict[str, Any] | None = None
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    tool_rules: list[ToolRule] | None = Field(None, max_length=MAX_ITEMS)
    llm_config: LLMConfigEntry | None = None
    embedding_config: EmbeddingConfigEntry | None = None
    model: Name | None = None
    embedding: Name | None = None
    model_settings: dict[str, Any] | None = None
    compaction_settings: dict[str, Any] | None = None
    context_window_limit: int | None = Field(None, ge=1, le=MAX_CONTEXT_WINDOW)
    max_tokens: int | None = Field(None, ge=1, le=MAX_CONTEXT_WINDOW)
    response_format: ResponseFormat | None = None
    timezone: str | None = Field(None, max_length=64)
    secrets: dict[Name, str | None] | None = Field(None, max_length=MAX_SECRETS)
    tool_exec_environment_variables: dict[Name, str | None] | None = Field(
        None, max_length=MAX_SECRETS
    )
    # Part of Letta's shape; references to entities travel in the *_ids lists instead.
    memory_blocks: list[Any] | None = Field(None, max_length=0)
    tools: list[Any] | None = Field(None, max_length=0)
    initial_message_sequence: list[Any] | None = Field(None, max_length=0)
    include_base_tools: bool = False
    include_multi_agent_tools: bool = False
    include_base_tool_rules: bool | None = None
    include_default_source: bool = False
    enable_reasoner: bool | None = None
    reasoning: bool | None = None
    max_reasoning_tokens: int | None = None
    embedding_chunk_size: int | None = None
    from_template: str | None = None
    template: bool = False
    project: str | None = None
    project_id: str | None = None
    template_id: str | None = None
    base_template_id: str | None = None
    identity_ids: Ids | None = None
    memory_variables: dict[str, Any] | None = None
    message_buffer_autoclear: bool = False
    enable_sleeptime: bool | None = None
    max_files_open: int | None = None
    per_file_view_window_char_limit: int | None = None
    hidden: bool | None = None
    parallel_tool_calls: bool | None = None
    tool_ids: Ids | None = None
    block_ids: Ids | None = None
    source_ids: Ids | None = None
    folder_ids: Ids | None = None
    group_ids: Ids = Field(default_factory=list)
    in_context_message_ids: list[Annotated[str, Field(max_length=128)]] = Field(
        default_factory=list, max_length=MAX_FILE_MESSAGES
    )
    messages: list[MessageEntry] = Field(default_factory=list, max_length=MAX_FILE_MESSAGES)
    files_agents: list[FileAgentEntry] = Field(default_factory=list, max_length=MAX_ITEMS)
    passages: list[PassageEntry] = Field(default_factory=list, max_length=MAX_FILE_PASSAGES)


class BlockEntry(FileEntity):
    id: BlockFileId
    label: str = Field(pattern=LABEL_PATTERN)
    value: Text
    limit: int = Field(100_000, ge=1, le=MAX_BLOCK_LIMIT)
    description: Text | None = None
    read_only: bool = False
    metadata: dict[str, Any] | None = None
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    project_id: str | None = None
    template_name: str | None = None
    is_template: bool = False
    template_id: str | None = None
    base_template_id: str | None = None
    deployment_id: str | None = None
    entity_id: str | None = None
    preserve_on_migration: bool | None = False
    hidden: bool | None = None


class ToolEntry(FileEntity):
    id: ToolFileId
    name: Name | None = None
    tool_type: Name = "custom"
    description: Text | None = None
    source_type: str | None = Field(None, max_length=32)
    source_code: str | None = Field(None, max_length=MAX_SOURCE_CHARS)
    json_schema: dict[str, Any] | None = None
    args_json_schema: dict[str, Any] | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    return_char_limit: int = Field(50000, ge=1, le=MAX_RETURN_CHAR_LIMIT)
    pip_requirements: list[dict[str, Any]] | None = Field(None, max_length=MAX_ITEMS)
    npm_requirements: list[dict[str, Any]] | None = Field(None, max_length=MAX_ITEMS)
    default_requires_approval: bool | None = None
    enable_parallel_execution: bool | None = False
    created_by_id: str | None = None
    last_updated_by_id: str | None = None
    metadata_: dict[str, Any] | None = None
    project_id: str | None = None


class McpServerEntry(FileEntity):
    id: McpServerFileId
    server_type: Literal["sse", "stdio", "streamable_http"]
    server_name: Name
    server_url: str | None = Field(None, max_length=2048)
    stdio_config: dict[str, Any] | None = None
    metadata_: dict[str, Any] | None = None


class GroupEntry(FileEntity):
    id: GroupFileId
    agent_ids: Ids
    description: Text = ""
    manager_config: dict[str, Any] | None = None
    project_id: str | None = None
    shared_block_ids: Ids = Field(default_factory=list)
    hidden: bool | None = None


class SourceEntry(RequestModel):
    """A folder (Letta's source); Letta's other keys are ignored."""

    id: str = Field(max_length=128)
    name: Name = Field(min_length=1)
    description: Text | None = None
    instructions: Text | None = None
    metadata: dict[str, Any] | None = None
    embedding_config: dict[str, Any] | None = None


class FileEntry(RequestModel):
    """A file of a folder with its text (`content`), which the import chunks again."""

    id: str = Field(max_length=128)
    source_id: str = Field(max_length=128)
    file_name: str | None = Field(None, max_length=600)
    original_file_name: str | None = Field(None, max_length=300)
    file_type: str | None = Field(None, max_length=255)
    file_size: int | None = Field(None, ge=0)
    file_creation_date: str | None = Field(None, max_length=64)
    file_last_modified_date: str | None = Field(None, max_length=64)
    content: str | None = Field(None, max_length=MAX_FILE_CONTENT)


class SkillEntry(FileEntity):
    """A skill the client resolved and sent with a POST export: its files' text by path."""

    name: Name
    files: dict[Annotated[str, Field(max_length=1024)], Text] | None = Field(
        None, max_length=MAX_ITEMS
    )
    source_url: str | None = Field(None, max_length=2048)


class AgentFile(FileEntity):
    """The whole document."""

    agents: list[AgentEntry] = Field(max_length=MAX_FILE_AGENTS)
    groups: list[GroupEntry] = Field(default_factory=list, max_length=MAX_ITEMS)
    blocks: list[BlockEntry] = Field(default_factory=list, max_length=MAX_FILE_BLOCKS)
    files: list[FileEntry] = Field(default_factory=list, max_length=MAX_ITEMS)
    sources: list[SourceEntry] = Field(default_factory=list, max_length=MAX_ITEMS)
    tools: list[ToolEntry] = Field(default_factory=list, max_length=MAX_FILE_TOOLS)
    mcp_servers: list[McpServerEntry] = Field(default_factory=list, max_length=MAX_ITEMS)
    skills: list[SkillEntry] = Field(default_factory=list, max_length=MAX_ITEMS)
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: str | None = Field(None, max_length=64)


class ImportedAgents(WireModel):
    agent_ids: list[str]


class ExportAgentRequest(RequestModel):
    """The body of `POST /v1/agents/{id}/export`."""

    skills: list[SkillEntry] = Field(default_factory=list, max_length=MAX_ITEMS)
    conversation_id: str | None = Field(None, max_length=128)
    scrub_messages: bool = False
