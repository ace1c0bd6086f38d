"""Letta's legacy single-agent format (`use_legacy_format`, the `v1` files of Letta 0.x):
blocks and tools inline, in-context messages as indices. Converted to the current document
shape on import and produced from it on export; the document's validation does the rest."""

from typing import Any

from lettalite.errors import InvalidArgument

LEGACY_KEYS = ("core_memory", "in_context_message_indices")
LEGACY_MESSAGE_KEYS = (
    "role",
    "content",
    "name",
    "model",
    "tool_call_id",
    "tool_calls",
    "tool_returns",
    "created_at",
)
LEGACY_BLOCK_KEYS = ("label", "value", "limit", "description", "template_name", "is_template")
LEGACY_TOOL_KEYS = (
    "name",
    "tool_type",
    "description",
    "source_type",
    "source_code",
    "json_schema",
    "args_json_schema",
    "tags",
    "return_char_limit",
    "metadata_",
)


def is_legacy(data: dict[str, Any]) -> bool:
    return any(key in data for key in LEGACY_KEYS)


def _items(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InvalidArgument(
            f"Import failed: Schema validation failed: {key}: must be a list of objects"
        )
    return value


def _pick(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: item[key] for key in keys if item.get(key) is not None}


def _in_context_ids(data: dict[str, Any], count: int) -> list[str]:
    indices = data.get("in_context_message_indices") or []
    if not isinstance(indices, list) or not all(
        isinstance(i, int) and 0 <= i < count for i in indices
    ):
        raise InvalidArgument(
            "Import failed: Schema validation failed: in_context_message_indices: must be "
            f"indices into messages (0 to {count - 1})"
        )
    return [f"message-{index}" for index in indices]


def legacy_to_agent_file(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("multi_agent_group"):
        raise InvalidArgument("Import failed: multi-agent groups are not supported by this server")
    blocks = [
        {"id": f"block-{i}", **_pick(b, LEGACY_BLOCK_KEYS), "metadata": b.get("metadata_")}
        for i, b in enumerate(_items(data, "core_memory"))
    ]
    tools = [
        {"id": f"tool-{i}", **_pick(t, LEGACY_TOOL_KEYS)}
        for i, t in enumerate(_items(data, "tools"))
    ]
    messages = [
        {"id": f"message-{i}", **_pick(m, LEGACY_MESSAGE_KEYS)}
        for i, m in enumerate(_items(data, "messages"))
    ]
    secrets = {
        item.get("key"): item.get("value")
        for item in _items(data, "tool_exec_environment_variables")
    }
    agent = {
        "id": "agent-0",
        **_pick(data, ("name", "agent_type", "system", "description", "llm_config")),
        **_pick(data, ("embedding_config", "tool_rules", "message_buffer_autoclear")),
        "metadata": data.get("metadata_"),
        "tags": [tag.get("tag") for tag in _items(data, "tags")],
        "secrets": secrets or None,
        "block_ids": [block["id"] for block in blocks],
        "tool_ids": [tool["id"] for tool in tools],
        "messages": messages,
        "in_context_message_ids": _in_context_ids(data, len(messages)),
    }
    return {"agents": [agent], "blocks": blocks, "tools": tools}


def agent_file_to_legacy(document: dict[str, Any]) -> dict[str, Any]:
    """The exported document (one agent) in the legacy shape."""
    (agent,) = document["agents"]
    messages = agent["messages"]
    position = {message["id"]: index for index, message in enumerate(messages)}
    blocks = {block["id"]: block for block in document["blocks"]}
    return {
        **_pick(agent, ("name", "agent_type", "system", "description", "llm_config")),
        "embedding_config": agent["embedding_config"],
        "metadata_": agent["metadata"],
        "tags": [{"tag": tag} for tag in agent["tags"]],
        "tool_rules": agent["tool_rules"],
        "message_buffer_autoclear": agent["message_buffer_autoclear"],
        "tool_exec_environment_variables": [
            {"key": key, "value": value} for key, value in agent["secrets"].items()
        ],
        "core_memory": [
            {**_pick(blocks[i], LEGACY_BLOCK_KEYS), "metadata_": blocks[i]["metadata"]}
            for i in agent["block_ids"]
        ],
        "tools": [_pick(tool, LEGACY_TOOL_KEYS) for tool in document["tools"]],
        "messages": [_pick(message, LEGACY_MESSAGE_KEYS) for message in messages],
        "in_context_message_indices": [position[i] for i in agent["in_context_message_ids"]],
        "multi_agent_group": None,
        "created_at": document["created_at"],
        "version": document["metadata"]["revision_id"],
    }
