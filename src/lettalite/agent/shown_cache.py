"""What the model is shown of each stored message, rendered once per process.

Every step shows the model the whole context window, so rendering it anew (decoding the
stored JSON, building the chat message, estimating its tokens) made a step's cost grow with
the history. The cache is keyed by what was read from the database for the step: the
message's role, its stored JSON text and tool call id. An edited message (by this process,
another worker or anything else) reads as another key, so a stale rendering is never served.
"""

import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lettalite.agent.context import Shown, shown

# What the cache holds at most, in characters of stored text (a key and its rendering hold
# about that much each), an entry also counting ENTRY_CHARS for the objects around its text
# (about their bytes): some 16 MB of small messages, 10,000 of them take 10 MB.
MAX_CHARS = 16_000_000
ENTRY_CHARS = 1000


@dataclass(frozen=True)
class _Decoded:
    """A row of db.messages.HISTORY_COLUMNS with its JSON decoded (an agent.context
    StoredMessage)."""

    role: str
    content: list[dict[str, Any]]
    tool_calls: list[dict[str, Any]] | None
    tool_call_id: str | None


_Key = tuple[str, str, str | None, str | None, bool]


class ShownCache:
    """A least-recently-used map from a stored message's text to what the model is shown,
    bounded by the characters it holds."""

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        self._entries: OrderedDict[_Key, tuple[Shown, int]] = OrderedDict()
        self._chars = 0
        self._max_chars = max_chars

    def shown_rows(self, rows: Iterable[Any], *, images: bool) -> list[Shown]:
        """What the model is shown of rows of db.messages.HISTORY_COLUMNS, in order."""
        found = []
        for row in rows:
            key = (row.role, row.content, row.tool_calls, row.tool_call_id, images)
            entry = self._entries.get(key)
            if entry is None:
                found.append(self._render(key))
            else:
                self._entries.move_to_end(key)
                found.append(entry[0])
        return found

    def _render(self, key: _Key) -> Shown:
        role, content, tool_calls, tool_call_id, images = key
        decoded = _Decoded(
            role=role,
            content=json.loads(content),
            tool_calls=json.loads(tool_calls) if tool_calls is not None else None,
            tool_call_id=tool_call_id,
        )
        rendered = shown(decoded, images=images)
        size = len(content) + len(tool_calls or "") + ENTRY_CHARS
        if size <= self._max_chars:
            self._entries[key] = (rendered, size)
            self._chars += size
            while self._chars > self._max_chars:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._chars -= evicted
        return rendered


SHOWN = ShownCache()
