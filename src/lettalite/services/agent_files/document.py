"""Reading an uploaded Agent File: JSON, Letta's document shape, and references that hold
together. Everything here runs before the import writes a row."""

import json
from collections import Counter
from typing import Any

from pydantic import ValidationError

from lettalite.errors import InvalidArgument
from lettalite.schemas.agent_file import AgentEntry, AgentFile
from lettalite.services.agent_files.legacy import is_legacy, legacy_to_agent_file

CORRUPTED = "Corrupted agent file format."
MAX_REPORTED_ERRORS = 10
# Letta's agent types whose loop lettalite's (Letta's v1 loop) stands in for: their memory,
# tools and history carry over; memgpt agents keep their send_message tool and its rules.
CONVERTED_AGENT_TYPES = {"letta_v1_agent", "memgpt_agent", "memgpt_v2_agent", "react_agent"}


def validation_detail(error: ValidationError) -> str:
    """pydantic's errors as `where: what` joined by "; ", as few as tell the story."""
    problems = []
    for item in error.errors()[:MAX_REPORTED_ERRORS]:
        where = ".".join(str(part) for part in item["loc"])
        problems.append(f"{where}: {item['msg']}" if where else item["msg"])
    more = error.error_count() - MAX_REPORTED_ERRORS
    if more > 0:
        problems.append(f"and {more} more")
    return "; ".join(problems)


def _loads(raw: bytes) -> Any:
    try:
        data = json.loads(raw)
        if isinstance(data, str):  # a double-encoded document
            data = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise InvalidArgument(CORRUPTED) from error
    if not isinstance(data, dict):
        raise InvalidArgument(f"{CORRUPTED} The document must be a JSON object.")
    return data


def parse_agent_file(raw: bytes) -> AgentFile:
    return validate_agent_file(_loads(raw))


def validate_agent_file(data: dict[str, Any]) -> AgentFile:
    """The document of decoded JSON (a legacy one converted), checked whole."""
    if "agents" not in data:
        if not is_legacy(data):
            raise InvalidArgument(
                "Legacy AgentSchema format is deprecated. Please use the new AgentFileSchema "
                "format with 'agents' field."
            )
        data = legacy_to_agent_file(data)
    try:
        document = AgentFile.model_validate(data)
    except ValidationError as error:
        raise InvalidArgument(
            f"Import failed: Schema validation failed: {validation_detail(error)}"
        ) from error
    problems = reference_problems(document) + unsupported_problems(document)
    if problems:
        raise InvalidArgument("Import failed: " + "; ".join(problems[:MAX_REPORTED_ERRORS]))
    return document


def _duplicates(values: list[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


def _all_ids(document: AgentFile) -> list[str]:
    ids = [entity.id for entity in (*document.agents, *document.blocks, *document.tools)]
    ids += [entity.id for entity in (*document.sources, *document.files)]
    ids += [server.id for server in document.mcp_servers]
    for agent in document.agents:
        ids += [message.id for message in agent.messages]
        ids += [passage.id for passage in agent.passages]
    return ids


def _agent_reference_problems(agent: AgentEntry, blocks: set[str], tools: set[str]) -> list[str]:
    problems = []
    for kind, given, known in (
        ("block", agent.block_ids or [], blocks),
        ("tool", agent.tool_ids or [], tools),
        ("message", agent.in_context_message_ids, {m.id for m in agent.messages}),
    ):
        missing = sorted(set(given) - known)
        if missing:
            problems.append(f"agent {agent.id} refers to {kind}s not in the file: {missing}")
        if repeated := _duplicates(list(given)):
            problems.append(f"agent {agent.id} lists {kind}s more than once: {repeated}")
    return problems


def reference_problems(document: AgentFile) -> list[str]:
    """Ids used twice, and references to entities the document does not hold."""
    problems = []
    if repeated := _duplicates(_all_ids(document)):
        problems.append(f"Schema validation failed: duplicate ids: {repeated[:20]}")
    if repeated := _duplicates([tool.name for tool in document.tools if tool.name]):
        problems.append(f"Schema validation failed: duplicate tool names: {repeated}")
    if repeated := _duplicates([server.server_name for server in document.mcp_servers]):
        problems.append(f"Schema validation failed: duplicate MCP server names: {repeated}")
    blocks = {block.id for block in document.blocks}
    tools = {tool.id for tool in document.tools}
    for agent in document.agents:
        problems += _agent_reference_problems(agent, blocks, tools)
    problems += folder_problems(document)
    if not document.agents:
        problems.append("the file holds no agents")
    return problems


def folder_problems(document: AgentFile) -> list[str]:
    """Files must belong to listed sources; agents' folders and file views must be listed."""
    sources = {source.id for source in document.sources}
    files = {file.id: file for file in document.files}
    problems = [
        f"Schema validation failed: file {file.id} refers to source {file.source_id}, which "
        "is not in the file"
        for file in document.files
        if file.source_id not in sources
    ]
    for agent in document.agents:
        attached = set(agent.source_ids or ()) | set(agent.folder_ids or ())
        if missing := sorted(attached - sources):
            problems.append(f"agent {agent.id} refers to sources not in the file: {missing}")
        for view in agent.files_agents:
            file = files.get(view.file_id)
            if view.agent_id != agent.id:
                problems.append(
                    f"Schema validation failed: files_agents {view.id} of agent {agent.id} "
                    f"names agent {view.agent_id}"
                )
            if file is None or file.source_id != view.source_id or view.source_id not in attached:
                problems.append(
                    f"Schema validation failed: files_agents {view.id} of agent {agent.id} "
                    f"refers to file {view.file_id} of source {view.source_id}, which is not "
                    "in the file or not attached to the agent"
                )
    return problems


def unsupported_problems(document: AgentFile) -> list[str]:
    """What the document asks of lettalite that it does not do."""
    problems = []
    if document.groups or any(agent.group_ids for agent in document.agents):
        problems.append("multi-agent groups (`groups`) are not supported by this server")
    for agent in document.agents:
        if agent.agent_type not in CONVERTED_AGENT_TYPES:
            problems.append(
                f"agent {agent.id} has agent_type {agent.agent_type!r}, which this server does "
                f"not run (supported: {', '.join(sorted(CONVERTED_AGENT_TYPES))})"
            )
    return problems
