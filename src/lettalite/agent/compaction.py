"""Keeping a conversation inside the context window: summarize and evict the oldest part.

Tokens are estimated locally (agent/tokens.py) and corrected by what the provider reports.
Evicted messages stay stored and searchable; the summary is shown right after the system
prompt. A cut never separates a tool call from its results.
"""

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.context import chat_message
from lettalite.agent.conversation import ConversationRef, load_conversation
from lettalite.agent.memory import recompile_system_prompt
from lettalite.agent.tokens import CHARS_PER_TOKEN, estimate_message
from lettalite.db import agents as agent_queries
from lettalite.db import messages as message_queries
from lettalite.db import runs as run_queries
from lettalite.db.models import MessageRow
from lettalite.db.session import Database
from lettalite.ids import new_id
from lettalite.llm.catalog import ModelHandle
from lettalite.llm.types import ChatMessage, ChatRequest, LLMClient

# A kept window never starts with these: the tool calls they answer would be gone.
ANSWER_ROLES = ("tool", "approval")
COMPACT_AT = 0.9  # compact before a request would pass this share of the window
KEEP_AT_MOST = 0.5  # after compacting, the kept history fits in this share
MAX_TOKEN_SCALE = 4.0  # e.g. CJK text, about one token per character
SUMMARY_CHARS = 2000
SUMMARY_ALLOWANCE = int(SUMMARY_CHARS / CHARS_PER_TOKEN)  # room kept for the summary itself
REMEMBERED_AGENTS = 4096  # token counts kept in memory, the agents used most recently
SUMMARY_PREFIX = "[Summary of the earlier conversation, which has left your context window]"
SUMMARY_PROMPT = """\
You are condensing the older part of a conversation between an assistant and a user so the \
assistant can keep going without it. Write a compact summary, under 250 words, in the \
assistant's voice. Keep: what the user wants and their goals; facts and preferences they \
stated; decisions made and open tasks; names, numbers and dates that may matter later; tool \
errors and how they were resolved. Leave out pleasantries. If an earlier summary is included, \
merge it in. Answer with the summary only."""


class ContextOverflow(Exception):
    """The system prompt and memory alone do not fit in the context window."""


def token_scale(latest_counts: tuple[int, int] | None) -> float:
    """Real tokens per estimated token, from the provider's count of the agent's latest
    request `(reported, estimated)`. Never below 1: the estimate already errs on the safe side,
    and only a provider that counts more (another language, another tokenizer) corrects it."""
    if latest_counts is None:
        return 1.0
    reported, estimated = latest_counts
    return min(max(reported / estimated, 1.0), MAX_TOKEN_SCALE)


# Each agent's latest (reported, estimated) prompt tokens, as this process stored them: a turn
# need not ask the database. A figure another worker stored later is not seen here, which
# only moves the point where compaction starts by that step's estimation error.
_latest_counts: OrderedDict[str, tuple[int, int]] = OrderedDict()


def remember_token_counts(agent_id: str, reported: int, estimated: int) -> None:
    """Called once a step with these counts is stored."""
    if reported > 0 and estimated > 0:
        _latest_counts[agent_id] = (reported, estimated)
        _latest_counts.move_to_end(agent_id)
        if len(_latest_counts) > REMEMBERED_AGENTS:
            _latest_counts.popitem(last=False)


async def latest_token_scale(session: AsyncSession, agent_id: str) -> float:
    """`token_scale` of the agent's latest step."""
    if agent_id not in _latest_counts:
        counts = await run_queries.latest_token_counts(session, agent_id)
        if counts is None:
            return token_scale(None)
        remember_token_counts(agent_id, *counts)
    return token_scale(_latest_counts[agent_id])


def choose_cut(sizes: Sequence[int], roles: Sequence[str], budget: int, min_evict: int) -> int:
    """How many of the oldest messages to evict so that the rest fit in `budget` tokens.

    Evicts at least `min_evict`, always keeps the newest message, and never makes a tool
    result (or an approval answer) the first kept message: its call would be gone.
    """
    if len(sizes) < 2:
        return 0
    last = len(sizes) - 1
    kept, cut = sum(sizes), 0
    while cut < last and (kept > budget or cut < min_evict):
        kept -= sizes[cut]
        cut += 1
    while cut < last and roles[cut] in ANSWER_ROLES:
        cut += 1
    while cut > 0 and roles[cut] in ANSWER_ROLES:
        cut -= 1
    return cut


def _transcript(rows: Sequence[MessageRow]) -> str:
    lines = []
    for row in rows:
        text = row.text
        for call in row.tool_calls or ():
            text += f"\n[called {call['name']}({call['arguments']})]"
        lines.append(f"{row.role}: {text}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Compaction:
    summary: str
    messages_before: int
    messages_after: int


async def compact(
    database: Database,
    llm: LLMClient,
    *,
    where: ConversationRef,
    model: ModelHandle,
    keep_tokens: int,
    min_evict: int = 1,
) -> Compaction | None:
    """Summarize and evict the oldest in-context messages; None if there is nothing to evict."""
    async with database.session() as session:
        context = (await load_conversation(session, where)).window
        window = await message_queries.in_context_messages(session, where.agent_id, context)
    pinned = (context.system_message_id, context.summary_message_id)
    conversation = [r for r in window if r.id not in pinned]
    previous = next((r for r in window if r.id == context.summary_message_id), None)
    sizes = [estimate_message(chat_message(r)) for r in conversation]
    cut = choose_cut(sizes, [r.role for r in conversation], keep_tokens, min_evict)
    if cut == 0:
        return None
    evicted = ([previous] if previous else []) + conversation[:cut]
    request = ChatRequest(
        model=model.model,
        tools=[],
        messages=[
            ChatMessage(role="system", content=SUMMARY_PROMPT),
            ChatMessage(role="user", content=_transcript(evicted)),
        ],
    )
    summary = ((await llm.complete(request)).content or "").strip()[:SUMMARY_CHARS]
    async with database.session() as session:
        current = await load_conversation(session, where, for_writing=True)
        sequence = await agent_queries.allocate_sequences(session, where.agent_id, 1)
        row = MessageRow(
            id=new_id("message"),
            agent_id=where.agent_id,
            conversation_id=where.conversation_id,
            sequence=sequence,
            role="user",
            content=[{"type": "text", "text": f"{SUMMARY_PREFIX}\n{summary}"}],
        )
        session.add(row)
        current.window.summary_message_id = row.id
        current.window.context_start_sequence = conversation[cut].sequence
        await session.flush()
        await recompile_system_prompt(session, current)
    return Compaction(summary, len(window), len(window) - len(evicted) + 1)
