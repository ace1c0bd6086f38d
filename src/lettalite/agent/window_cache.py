"""What the model is shown of each conversation's context window, kept between steps.

A step used to read and render every message of its window, so its cost grew with the
history. Now each step reads the window's pinned messages (system prompt, summary), the
conversation messages stored after the kept ones, and the count and revisions' sum of the
kept ones (db.messages.window_after, one query). Sequences only grow and every UPDATE of a
message adds one to its revision (db.models.MessageRow.revision), so when the count and sum
match, the kept messages are exactly as stored; when they do not (a message edited or deleted
by any worker), the window is read anew. A reset, a compaction or another model that shows
images differently changes the window's identity, which is read anew too.
"""

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.context import Shown
from lettalite.agent.shown_cache import SHOWN
from lettalite.db import messages as message_queries
from lettalite.db.models import ContextWindow

# The conversation messages kept, over every window (the least recently used go first).
MAX_KEPT_MESSAGES = 100_000
PINNED_LEAD = 2  # db.messages orders the system prompt (0) and the summary (1) before it


@dataclass(frozen=True)
class _Kept:
    """A window's conversation messages (pinned ones left out) up to `last_sequence`."""

    identity: tuple[str | None, str | None, int, bool]
    shown: list[Shown]
    ids: list[str]
    revisions: int
    last_sequence: int


@dataclass(frozen=True)
class WindowShown:
    """A window's messages, in order, as the model is shown them, and their ids."""

    shown: list[Shown]
    ids: list[str]


class WindowCache:
    def __init__(self, max_messages: int = MAX_KEPT_MESSAGES) -> None:
        self._kept: OrderedDict[tuple[str, str | None], _Kept] = OrderedDict()
        self._max_messages = max_messages
        self._messages = 0

    async def read(
        self, session: AsyncSession, agent_id: str, window: ContextWindow, *, images: bool
    ) -> WindowShown:
        key = (agent_id, window.conversation_key)
        identity = (
            window.system_message_id,
            window.summary_message_id,
            window.context_start_sequence,
            images,
        )
        kept = self._kept.get(key)
        if kept is None or kept.identity != identity:
            kept = _Kept(identity, [], [], 0, window.context_start_sequence - 1)
        read = await message_queries.window_after(session, agent_id, window, kept.last_sequence)
        if (read.kept_count, read.kept_revisions) != (len(kept.ids), kept.revisions):
            kept = _Kept(identity, [], [], 0, window.context_start_sequence - 1)
            read = await message_queries.window_after(session, agent_id, window, kept.last_sequence)
        pinned = [row for row in read.rows if row.lead < PINNED_LEAD]
        added = [row for row in read.rows if row.lead >= PINNED_LEAD]
        grown = self._grown(kept, added, images)
        self._keep(key, grown)
        return WindowShown(
            [*SHOWN.shown_rows(pinned, images=images), *grown.shown],
            [*(row.id for row in pinned), *grown.ids],
        )

    @staticmethod
    def _grown(kept: _Kept, added: Sequence[Any], images: bool) -> _Kept:
        if not added:
            return kept
        return _Kept(
            kept.identity,
            kept.shown + SHOWN.shown_rows(added, images=images),
            kept.ids + [row.id for row in added],
            kept.revisions + sum(row.revision for row in added),
            added[-1].sequence,
        )

    def _keep(self, key: tuple[str, str | None], kept: _Kept) -> None:
        """Keep the latest read of the window (every read checks what it kept anyway, so
        concurrent reads only cost each other a longer read)."""
        current = self._kept.pop(key, None)
        if current is not None:
            self._messages -= len(current.ids)
        self._kept[key] = kept
        self._messages += len(kept.ids)
        while self._messages > self._max_messages and len(self._kept) > 1:
            _, evicted = self._kept.popitem(last=False)
            self._messages -= len(evicted.ids)


WINDOWS = WindowCache()
