"""The built-in tools' rows as this process last read them, so that creating an agent need not
read them first.

They are a guess, never trusted alone: the new agent's tools are attached by a statement that
attaches only rows still as read (db.agents.link_tools_as_read), and when any is not (a tool
changed by another worker, or gone), the creation reads them anew (services.agents).
"""

import copy
from collections.abc import Iterable, Sequence

from sqlalchemy import inspect

from lettalite.db.models import ToolRow
from lettalite.tools import TOOLS

_COLUMNS = [column.key for column in inspect(ToolRow).column_attrs]


def _unbound_copy(tool: ToolRow) -> ToolRow:
    """A copy no session holds: a rolled-back session expires the rows it holds, and every
    request reads these."""
    return ToolRow(**{key: copy.deepcopy(getattr(tool, key)) for key in _COLUMNS})


def _version(tool: ToolRow) -> tuple[str, object]:
    return tool.id, tool.updated_at


class KnownTools:
    def __init__(self) -> None:
        self._by_name: dict[str, ToolRow] = {}

    def named(self, names: Sequence[str]) -> list[ToolRow] | None:
        """The named tools in order, each once; None unless every one is known."""
        if not all(name in self._by_name for name in names):
            return None
        return list({tool.id: tool for tool in map(self._by_name.__getitem__, names)}.values())

    def keep(self, tools: Iterable[ToolRow]) -> None:
        """Keep the built-in ones of these tools, as just read."""
        for tool in tools:
            known = self._by_name.get(tool.name)
            if tool.name in TOOLS and (known is None or _version(known) != _version(tool)):
                self._by_name[tool.name] = _unbound_copy(tool)


KNOWN_TOOLS = KnownTools()
