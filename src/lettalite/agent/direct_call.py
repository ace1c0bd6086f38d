"""Running one of an agent's tools outside any turn (`POST /v1/agents/{id}/tools/{name}/run`):
the same toolbox and executors a turn uses, with nothing added to the conversation."""

import json
from collections.abc import Callable
from typing import Any

from lettalite.agent import steps
from lettalite.agent.conversation import ConversationRef, load_conversation
from lettalite.agent.embedder import Embedder
from lettalite.agent.toolbox import (
    StepScope,
    ToolKinds,
    ToolOutcome,
    build_toolbox,
    run_ahead,
    run_call,
)
from lettalite.db.session import Database
from lettalite.errors import NotFound
from lettalite.ids import new_id
from lettalite.llm.catalog import ModelHandle
from lettalite.llm.types import LLMClient, ToolCallRequest


async def call_attached_tool(
    database: Database,
    kinds: ToolKinds,
    llm_for: Callable[[ModelHandle], LLMClient],
    agent_id: str,
    name: str,
    arguments: dict[str, Any],
) -> ToolOutcome:
    """Run the agent's attached tool `name`; a memory edit lands (and shows in its prompts)
    like one a turn makes."""
    where = ConversationRef(agent_id)
    async with database.session() as session:
        conversation = await load_conversation(session, where)
        toolbox = build_toolbox(conversation, kinds, ())
    if name not in toolbox.tools:
        raise NotFound(f"Tool '{name}' not found or not attached to agent '{agent_id}'")
    request = ToolCallRequest(id=new_id("call"), name=name, arguments=json.dumps(arguments))
    call = toolbox.prepare(request)
    [ahead] = await run_ahead([call], toolbox.agent)
    if ahead is not None:
        return ahead
    embedder = Embedder(llm_for)
    await steps.embed_ahead(conversation.agent.embedding, embedder, [call])
    async with database.session() as session:
        conversation = await load_conversation(session, where, for_writing=True)
        outcome = await run_call(call, StepScope(session, conversation, embedder))
        await steps.refresh_after(session, conversation, [outcome])
    return outcome
