"""Where a turn happens: an agent's default conversation, or one of its named conversations.

Both have their own history and context window; they share the agent's memory blocks, except
the labels a named conversation isolated, which it holds copies of.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db import agents as agent_queries
from lettalite.db import conversations as conversation_queries
from lettalite.db.models import AgentRow, BlockRow, ConversationBlockRow, ConversationRow
from lettalite.errors import NotFound


@dataclass(frozen=True)
class ConversationRef:
    agent_id: str
    conversation_id: str | None = None  # None: the agent's default conversation

    @property
    def lock_key(self) -> str:
        """One turn at a time per conversation: the key its turns are serialized on."""
        return self.conversation_id or self.agent_id


@dataclass(frozen=True)
class Conversation:
    agent: AgentRow
    # The row holding the context window: the agent itself for its default conversation.
    window: AgentRow | ConversationRow

    @property
    def conversation_id(self) -> str | None:
        return self.window.conversation_key

    @property
    def ref(self) -> ConversationRef:
        return ConversationRef(self.agent.id, self.conversation_id)

    def blocks(self) -> dict[str, BlockRow]:
        """The memory blocks this conversation shows, by label, in the agent's order."""
        blocks = {link.label: link.block for link in self.agent.block_links}
        blocks.update({link.label: link.block for link in self.isolated_links()})
        return blocks

    def isolated_links(self) -> list[ConversationBlockRow]:
        return self.window.block_links if isinstance(self.window, ConversationRow) else []


async def load_conversation(
    session: AsyncSession,
    ref: ConversationRef,
    *,
    for_writing: bool = False,
    with_memory: bool = True,
) -> Conversation:
    """The conversation with its agent's blocks and tools (without them unless `with_memory`:
    a step that made no tool call stores its messages without reading either).

    `for_writing` loads the agent under its row lock (PostgreSQL): every transaction that
    writes a step locks the agent before anything else, so steps of one agent's conversations
    never deadlock on each other's rows (blocks, conversation rows marked stale, the agent's
    sequence counter)."""
    if with_memory:
        agent = await agent_queries.get_agent(session, ref.agent_id, tags=False, lock=for_writing)
    else:
        agent = await agent_queries.get_agent_row(session, ref.agent_id, lock=for_writing)
    if ref.conversation_id is None:
        return Conversation(agent, agent)
    conversation = await conversation_queries.get_conversation(session, ref.conversation_id)
    if conversation.agent_id != agent.id:
        raise NotFound(f"Conversation {ref.conversation_id} not found for agent {agent.id}")
    return Conversation(agent, conversation)
