"""The context window: what a conversation's next request holds, and compaction on demand."""

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.compaction import KEEP_AT_MOST, compact, latest_token_scale
from lettalite.agent.context import chat_message
from lettalite.agent.conversation import ConversationRef, load_conversation
from lettalite.agent.prompt import MEMORY_PLACEHOLDER, METADATA_END, METADATA_TAG
from lettalite.agent.runs import RunManager
from lettalite.agent.tokens import estimate_message, estimate_text, estimate_tools
from lettalite.agent.toolbox import tool_definition
from lettalite.db import messages as message_queries
from lettalite.db.models import MessageRow
from lettalite.db.passages import count_passages
from lettalite.db.session import Database
from lettalite.errors import InvalidArgument
from lettalite.ids import new_id
from lettalite.llm.catalog import served_model
from lettalite.schemas.context import CompactionResponse, ContextMessage, ContextWindowOverview


async def context_overview(session: AsyncSession, agent_id: str) -> ContextWindowOverview:
    conversation = await load_conversation(session, ConversationRef(agent_id))
    agent, context = conversation.agent, conversation.window
    window = await message_queries.in_context_messages(session, agent.id, context)
    system = next(r for r in window if r.id == context.system_message_id)
    summary = next((r for r in window if r.id == context.summary_message_id), None)
    messages = [r for r in window if r not in (system, summary)]
    memory = system.text[len(agent.system.split(MEMORY_PLACEHOLDER)[0]) :]
    memory, metadata_tag, metadata = memory.partition(METADATA_TAG)
    metadata = metadata_tag + metadata.split(METADATA_END)[0] + METADATA_END if metadata_tag else ""
    tools = [tool_definition(link.tool) for link in agent.tool_links]
    scale = await latest_token_scale(session, agent.id)
    estimates = {
        "system": estimate_text(agent.system),
        "memory": estimate_text(memory),
        "metadata": estimate_text(metadata),
        "summary": estimate_text(summary.text) if summary else 0,
        "tools": estimate_tools(tools),
        "messages": sum(estimate_message(chat_message(r)) for r in messages),
    }
    parts = {name: int(tokens * scale) for name, tokens in estimates.items()}
    return ContextWindowOverview(
        context_window_size_max=agent.context_window,
        context_window_size_current=sum(parts.values()),
        num_messages=len(window),
        num_recall_memory=await message_queries.count_recall(session, agent.id, context),
        num_archival_memory=await count_passages(session, agent.id),
        num_tokens_external_memory_summary=parts["metadata"],
        external_memory_summary=metadata,
        num_tokens_system=parts["system"],
        num_tokens_core_memory=parts["memory"],
        num_tokens_summary_memory=parts["summary"],
        num_tokens_functions_definitions=parts["tools"],
        num_tokens_messages=parts["messages"],
        system_prompt=agent.system,
        core_memory=memory.strip(),
        summary_memory=summary.text if summary else None,
        functions_definitions=[{"type": "function", "function": asdict(tool)} for tool in tools],
        messages=[context_message(row) for row in window],
    )


def context_message(row: MessageRow) -> ContextMessage:
    return ContextMessage(
        id=row.id,
        agent_id=row.agent_id,
        role=row.role,
        content=[part for part in row.content if part.get("type") in ("text", "image")],
        name=row.name,
        tool_calls=[
            {
                "id": c["id"],
                "type": "function",
                "function": {"name": c["name"], "arguments": c["arguments"]},
            }
            for c in row.tool_calls or ()
        ]
        or None,
        tool_call_id=row.tool_call_id,
        model=row.model,
        step_id=row.step_id,
        otid=row.otid,
        created_at=row.created_at,
    )


async def summarize(
    database: Database, runs: RunManager, where: ConversationRef, *, refuse_unchanged: bool
) -> CompactionResponse:
    """Compact now: evict at least half of the conversation (or what does not fit).

    `refuse_unchanged`: nothing to evict is a 400 (the conversation route, as Letta), rather
    than an answer that reports the same count before and after.
    """
    async with database.session() as session:
        conversation = await load_conversation(session, where)
        model = await served_model(conversation.agent.model)
        window = conversation.window
        in_context = len(await message_queries.in_context_messages(session, where.agent_id, window))
        scale = await latest_token_scale(session, where.agent_id)
        context_window = conversation.agent.context_window
    hold = await runs.locks.acquire(where, new_id("run"))  # never beside a running turn
    try:
        result = await compact(
            database,
            runs.runner.llm_for(model),
            where=where,
            model=model,
            keep_tokens=int(KEEP_AT_MOST * context_window / scale),
            min_evict=max(1, (in_context - 1) // 2),
        )
    finally:
        await runs.locks.release(hold)
    if result is None:
        if refuse_unchanged:
            raise InvalidArgument(
                "Summarization failed to reduce the number of messages. You may not have "
                "enough messages to compact."
            )
        return CompactionResponse(
            summary="", num_messages_before=in_context, num_messages_after=in_context
        )
    return CompactionResponse(
        summary=result.summary,
        num_messages_before=result.messages_before,
        num_messages_after=result.messages_after,
    )
