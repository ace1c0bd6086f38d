"""Import: the agents of a validated Agent File, with new ids, in the request's one
transaction; any failure leaves nothing behind.

Models are checked and archival passages embedded before the first write. A message
history keeps its order and its context window: messages outside the window come first (so
they stay searchable, as recall), then the window in the file's order.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.archive import default_archive
from lettalite.agent.embedder import Embedder
from lettalite.agent.memory import refresh_prompts, text_content
from lettalite.agent.prompt import DEFAULT_SYSTEM_PROMPT
from lettalite.db import tools as tool_queries
from lettalite.db.base import utcnow
from lettalite.db.models import (
    AgentBlockRow,
    AgentRow,
    AgentTagRow,
    AgentToolRow,
    BlockRow,
    MessageRow,
    PassageRow,
    PassageTagRow,
    ToolRow,
)
from lettalite.db.session import flush
from lettalite.errors import InvalidArgument, LettaliteError
from lettalite.ids import new_id
from lettalite.llm.catalog import (
    ModelHandle,
    default_context_window,
    served_embedding,
    served_model,
)
from lettalite.schemas.agent_file import AgentEntry, AgentFile, PassageEntry
from lettalite.services.agent_files.entities import import_blocks, import_mcp_servers, import_tools
from lettalite.services.agent_files.folders import attach_imported, import_folders
from lettalite.services.agent_files.messages import message_rows
from lettalite.services.agent_folders import FILE_TOOLS
from lettalite.services.mcp_servers import McpRuntime

COPY_SUFFIX = "_copy"


@dataclass(frozen=True)
class ImportOptions:
    append_copy_suffix: bool = True
    name: str | None = None
    override_existing_tools: bool = True
    strip_messages: bool = False
    # Values for the secrets the file names with blank values (an export blanks them all).
    secrets: dict[str, str] = field(default_factory=dict)
    model: str | None = None
    embedding: str | None = None


@dataclass(frozen=True)
class AgentModels:
    """The model and embedding model an imported agent gets on this server."""

    model: str
    context_window: int
    embedding: str | None


def _model_handle(entry: AgentEntry) -> str | None:
    config = entry.llm_config
    handle = entry.model or (config.handle if config else None)
    if handle is None and config and config.model:
        handle = f"{config.model_endpoint_type or 'openai'}/{config.model}"
    return handle


def _embedding_handle(entry: AgentEntry) -> str | None:
    config = entry.embedding_config
    handle = entry.embedding or (config.handle if config else None)
    if handle is None and config and config.embedding_model:
        handle = f"{config.embedding_endpoint_type or 'openai'}/{config.embedding_model}"
    return handle


async def _served(
    kind: str,
    entry: AgentEntry,
    handle: str,
    option: str,
    serve: Callable[[str], Awaitable[ModelHandle]],
) -> ModelHandle:
    try:
        return await serve(handle)
    except LettaliteError as error:
        raise InvalidArgument(
            f"Import failed: agent {entry.id} ({entry.name}) uses the {kind} {handle}, which "
            f"this server cannot serve ({error.detail}). Import it with `{option}` set to "
            f"a handle this server serves."
        ) from error


async def agent_models(entry: AgentEntry, options: ImportOptions) -> AgentModels:
    handle = options.model or _model_handle(entry)
    if handle is None:
        raise InvalidArgument(
            f"Import failed: agent {entry.id} names no model (`model` or `llm_config`); "
            "import it with `model` set to a model handle"
        )
    model = await _served("model", entry, handle, "model", served_model)
    window = entry.context_window_limit or (
        entry.llm_config.context_window if entry.llm_config else None
    )
    if options.model or window is None:
        window = default_context_window(model)
    embedding = options.embedding or _embedding_handle(entry)
    if embedding is not None:
        await _served("embedding model", entry, embedding, "embedding", served_embedding)
    return AgentModels(model.handle, window, embedding)


async def _fitting_vectors(
    handle: str, passages: list[PassageEntry], embedder: Embedder
) -> dict[str, list[float]]:
    """The vectors the agent's embedding model made, when they are as long as what it makes
    here (one text embedded again tells: a provider's dimensions are not in any catalogue)."""
    made_here = [p for p in passages if p.embedding_model == handle and p.embedding]
    if not made_here:
        return {}
    probe = await embedder.embed(handle, made_here[0].text)
    return {p.id: p.embedding for p in made_here if p.embedding and len(p.embedding) == len(probe)}


async def passage_vectors(
    document: AgentFile, models: dict[str, AgentModels], embedder: Embedder
) -> dict[str, list[float] | None]:
    """Passage file id -> its vector: kept when it fits the agent's embedding model here, else
    embedded again (before any write: a failing provider leaves nothing stored)."""
    vectors: dict[str, list[float] | None] = {}
    for entry in document.agents:
        handle = models[entry.id].embedding
        if handle is None:
            vectors.update({passage.id: None for passage in entry.passages})
            continue
        vectors.update(await _fitting_vectors(handle, entry.passages, embedder))
        stale = [passage for passage in entry.passages if passage.id not in vectors]
        await embedder.embed_in_advance(handle, [passage.text for passage in stale])
        for passage in stale:
            vectors[passage.id] = await embedder.embed(handle, passage.text)
    return vectors


def _agent_name(entry: AgentEntry, options: ImportOptions) -> str:
    if options.name:
        return options.name
    name = entry.name or "imported_agent"
    return f"{name}{COPY_SUFFIX}" if options.append_copy_suffix else name


def _secrets(entry: AgentEntry, options: ImportOptions) -> dict[str, str] | None:
    given = entry.secrets or entry.tool_exec_environment_variables
    if given is None:
        return None
    return {key: value or options.secrets.get(key, "") for key, value in given.items()}


def _new_agent(entry: AgentEntry, models: AgentModels, options: ImportOptions) -> AgentRow:
    config = entry.llm_config
    return AgentRow(
        id=new_id("agent"),
        name=_agent_name(entry, options),
        agent_type="letta_v1_agent",
        description=entry.description,
        system=entry.system if entry.system is not None else DEFAULT_SYSTEM_PROMPT,
        metadata_=entry.metadata,
        timezone=entry.timezone or "UTC",
        model=models.model,
        context_window=models.context_window,
        max_tokens=entry.max_tokens or (config.max_tokens if config else None),
        temperature=config.temperature if config else None,
        embedding=models.embedding,
        secrets=_secrets(entry, options),
        tool_rules=[rule.model_dump(mode="json") for rule in entry.tool_rules or ()],
        response_format=(
            entry.response_format.model_dump(mode="json") if entry.response_format else None
        ),
    )


def _link_memory_and_tools(
    agent: AgentRow, entry: AgentEntry, blocks: list[BlockRow], tools: list[ToolRow]
) -> None:
    labels = [block.label for block in blocks]
    if len(set(labels)) != len(labels):
        raise InvalidArgument(
            f"Import failed: agent {entry.id} has two blocks with one label: labels are "
            "unique per agent"
        )
    agent.block_links = [AgentBlockRow(block_id=b.id, label=b.label, block=b) for b in blocks]
    unique_tools = {tool.id: tool for tool in tools}.values()
    agent.tool_links = [AgentToolRow(tool_id=t.id, tool=t) for t in unique_tools]
    agent.tag_rows = [AgentTagRow(tag=tag) for tag in dict.fromkeys(entry.tags or ())]


def _history_order(
    entry: AgentEntry, in_context: list[str], system: str | None, summary: str | None
) -> tuple[list[str], str | None]:
    """The file's message ids but the system message's, in the order they get sequences; and
    the first id of the window after its system message and summary (which are pinned).

    When the window is the end of the history (as lettalite and Letta keep it) the file's order
    stays; otherwise the messages outside the window come first, then the summary and the
    window in its order.
    """
    pinned = {system, summary}
    window = [i for i in in_context if i not in pinned]
    others = [m.id for m in entry.messages if m.id not in pinned]
    first = window[0] if window else None
    if others[len(others) - len(window) :] == window:
        return [m.id for m in entry.messages if m.id != system], first
    outside = [i for i in others if i not in set(window)]
    return [*outside, *([summary] if summary else []), *window], first


def _store_history(agent: AgentRow, entry: AgentEntry, session: AsyncSession) -> None:
    """Store the messages. The system message (the file's, or a new one) is compiled again
    afterwards: it must show this agent's id and memory, in this server's rendering."""
    rows = {message.id: message_rows(message, agent.id) for message in entry.messages}
    roles = {message.id: message.role for message in entry.messages}
    in_context = entry.in_context_message_ids or list(rows)
    opening = in_context[0] if in_context and roles[in_context[0]] == "system" else None
    # The newest summary in the window stands for the messages before it.
    summary = next((i for i in reversed(in_context) if roles[i] == "summary"), None)
    order, first_in_window = _history_order(entry, in_context, opening, summary)
    if opening is not None:
        system = rows[opening][0]
    else:
        system = MessageRow(id=new_id("message"), agent_id=agent.id, role="system")
        system.content, system.created_at = text_content(""), utcnow()
    stored = [row for message_id in order for row in rows[message_id]]
    system.sequence = 0
    agent.context_start_sequence = len(stored) + 1
    for sequence, row in enumerate(stored, start=1):
        row.sequence = sequence
        if first_in_window is not None and row is rows[first_in_window][0]:
            agent.context_start_sequence = sequence
    for row in [system, *stored]:
        row.search_text = row.text if row.role not in ("approval", "system") else None
        session.add(row)
    agent.system_message_id = system.id
    agent.summary_message_id = rows[summary][0].id if summary else None
    agent.next_sequence = len(stored) + 1
    last = rows[in_context[-1]][-1] if in_context else None
    if last is not None and any(c.get("requires_approval") for c in last.tool_calls or ()):
        agent.pending_approval_message_id = last.id


async def _store_passages(
    session: AsyncSession,
    agent: AgentRow,
    entry: AgentEntry,
    vectors: dict[str, list[float] | None],
) -> None:
    """The agent's passages, in an archive of its own."""
    if not entry.passages:
        return
    await flush(session)  # the agent's archive links to its row
    archive = await default_archive(session, agent)
    for passage in entry.passages:
        tags = list(dict.fromkeys(passage.tags))
        vector = vectors[passage.id]
        session.add(
            PassageRow(
                id=new_id("passage"),
                archive_id=archive.id,
                text=passage.text,
                tags=tags,
                tag_rows=[PassageTagRow(tag=tag) for tag in tags],
                metadata_=passage.metadata or {},
                embedding_model=agent.embedding if vector is not None else None,
                embedding=vector,
                created_at=passage.created_at or utcnow(),
            )
        )


async def import_agent_file(
    session: AsyncSession,
    document: AgentFile,
    options: ImportOptions,
    *,
    runtime: McpRuntime,
    embedder: Embedder,
) -> list[str]:
    """Create the file's agents; returns their new ids, in the file's order."""
    models = {entry.id: await agent_models(entry, options) for entry in document.agents}
    vectors = await passage_vectors(document, models, embedder)
    servers = await import_mcp_servers(session, document.mcp_servers, runtime)
    tools = await import_tools(
        session, document.tools, servers, override_existing=options.override_existing_tools
    )
    blocks = import_blocks(session, document.blocks)
    folders, files = await import_folders(session, document, options.embedding)
    file_tools = list((await tool_queries.tools_by_name(session, FILE_TOOLS)).values())
    imported = []
    for entry in document.agents:
        agent = _new_agent(entry, models[entry.id], options)
        imported.append(agent.id)
        _link_memory_and_tools(
            agent,
            entry,
            [blocks[block_id] for block_id in entry.block_ids or ()],
            [tools[tool_id] for tool_id in entry.tool_ids or ()],
        )
        session.add(agent)
        if options.strip_messages:
            entry = entry.model_copy(update={"messages": [], "in_context_message_ids": []})
        _store_history(agent, entry, session)
        await _store_passages(session, agent, entry, vectors)
        await flush(session)
        await attach_imported(session, agent, entry, folders, files, file_tools)
    await flush(session)
    await refresh_prompts(session, imported)
    return imported
