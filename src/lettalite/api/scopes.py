"""What a client-side access token may do: the routes each `access` value of its policy opens.

A token request is served only when its route is listed here and every agent the request names
(by path, by `agent_id` in the query or body, through a conversation or a run) has that access
in the token's policy. Every route not listed needs the server key: listing and changing
agents, deleting agents or conversations, agent secrets, attaching tools or blocks, blocks and
tools by id, global message search, the token routes themselves.
"""

import json
from typing import Any

from fastapi import Request

from lettalite.api.auth import AUTH_SCOPE_KEY
from lettalite.errors import Forbidden
from lettalite.schemas.access_token import Access
from lettalite.schemas.agent import AgentState
from lettalite.services.access_tokens import AccessGrant, agent_of_conversation, agent_of_run

AGENT = "/v1/agents/{agent_id}"
CONVERSATION = "/v1/conversations/{conversation_id}"
RUN = "/v1/runs/{run_id}"

# (method, route path without its trailing slash) -> the access value it needs.
ACCESS_BY_ROUTE: dict[tuple[str, str], Access] = {
    # read_agent: the agent (its secrets left out), tools, memory blocks, archival memory and
    # context window.
    ("GET", AGENT): "read_agent",
    ("GET", f"{AGENT}/tools"): "read_agent",
    ("GET", f"{AGENT}/core-memory/blocks"): "read_agent",
    ("GET", f"{AGENT}/core-memory/blocks/{{block_label}}"): "read_agent",
    ("GET", f"{AGENT}/archival-memory"): "read_agent",
    ("GET", f"{AGENT}/archival-memory/search"): "read_agent",
    ("GET", f"{AGENT}/context"): "read_agent",
    # write_agent: its memory.
    ("PATCH", f"{AGENT}/core-memory/blocks/{{block_label}}"): "write_agent",
    ("POST", f"{AGENT}/archival-memory"): "write_agent",
    ("DELETE", f"{AGENT}/archival-memory/{{memory_id}}"): "write_agent",
    # read_messages: history, conversations, runs, and resuming their streams.
    ("GET", f"{AGENT}/messages"): "read_messages",
    ("GET", "/v1/conversations"): "read_messages",
    ("GET", CONVERSATION): "read_messages",
    ("GET", f"{CONVERSATION}/messages"): "read_messages",
    ("POST", f"{CONVERSATION}/stream"): "read_messages",
    ("GET", RUN): "read_messages",
    ("GET", f"{RUN}/messages"): "read_messages",
    ("GET", f"{RUN}/steps"): "read_messages",
    ("GET", f"{RUN}/usage"): "read_messages",
    ("POST", f"{RUN}/stream"): "read_messages",
    # write_messages: sending (approvals and client tool results included), cancelling, and
    # starting, renaming and forking conversations. Not /messages/async: its callback_url
    # makes the server call out, which is the server key's to allow.
    ("POST", f"{AGENT}/messages"): "write_messages",
    ("POST", f"{AGENT}/messages/stream"): "write_messages",
    ("POST", f"{AGENT}/messages/cancel"): "write_messages",
    ("POST", "/v1/conversations"): "write_messages",
    ("PATCH", CONVERSATION): "write_messages",
    ("POST", f"{CONVERSATION}/messages"): "write_messages",
    ("POST", f"{CONVERSATION}/fork"): "write_messages",
    ("POST", f"{CONVERSATION}/cancel"): "write_messages",
}


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}  # the route refuses it
    return body if isinstance(body, dict) else {}


def _ids(*values: object) -> set[str]:
    return {value for value in values if isinstance(value, str)}


async def named_agents(request: Request) -> set[str]:
    """Every agent a request names: in the path, through its conversation or run, or as
    `agent_id` (or a `run_id`) in the query or body of a conversation route."""
    params, database = request.path_params, request.app.state.database
    if "agent_id" in params:
        return {params["agent_id"]}
    if "run_id" in params:
        return {await agent_of_run(database, params["run_id"])}
    agents = _ids(request.query_params.get("agent_id"))
    conversation = params.get("conversation_id")
    if conversation is None:
        return agents
    body = await _json_body(request)
    agents |= _ids(body.get("agent_id"))
    if isinstance(run_id := body.get("run_id"), str):
        agents.add(await agent_of_run(database, run_id))
    if conversation.startswith("agent-"):
        agents.add(conversation)
    elif conversation != "default":
        agents.add(await agent_of_conversation(database, conversation))
    return agents


async def enforce_token_scope(request: Request) -> None:
    """A route dependency: refuses what an access token's policy does not allow."""
    grant = request.scope.get(AUTH_SCOPE_KEY)
    if not isinstance(grant, AccessGrant):
        return  # the server key
    route = request.scope["route"].path_format.rstrip("/")
    access = ACCESS_BY_ROUTE.get((request.method, route))
    if access is None:
        raise Forbidden(f"{request.method} {route} needs the server key, not an access token")
    agents = await named_agents(request)
    if not agents:
        raise Forbidden("An access token request must name its agent (agent_id)")
    for agent_id in sorted(agents):
        if not grant.allows(agent_id, access):
            raise Forbidden(f"This access token does not allow {access} on agent {agent_id}")


def hide_secrets_from_tokens(request: Request, agent: AgentState) -> AgentState:
    """The agent as a token holder sees it: without its secrets (tool environment values)."""
    if not isinstance(request.scope.get(AUTH_SCOPE_KEY), AccessGrant):
        return agent
    return agent.model_copy(update={"secrets": [], "tool_exec_environment_variables": []})
