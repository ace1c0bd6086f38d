"""Built-in agent tools, each declared once as a pure function that is also its own schema.

Importing this package registers every built-in tool in `TOOLS`.
"""

from lettalite.tools import archival as _archival
from lettalite.tools import base as _base
from lettalite.tools import files as _files
from lettalite.tools import history as _history
from lettalite.tools import memory as _memory
from lettalite.tools.archival import ArchivalHit, Archive, ArchiveQuery
from lettalite.tools.blocks import (
    LINE_NUMBER_WARNING,
    BlockChange,
    BlockView,
    CreateBlock,
    DetachBlock,
    MemoryEdit,
    RenameBlock,
    SetDescription,
    SetValue,
    ToolError,
    format_model_time,
)
from lettalite.tools.history import HistoryHit, HistorySearch
from lettalite.tools.registry import TOOLS, ToolSpec, validate_arguments

del _archival, _base, _files, _history, _memory  # imported only so their tools register themselves

DEFAULT_TOOL_NAMES: frozenset[str] = frozenset(
    name for name, spec in TOOLS.items() if spec.attached_by_default
)

__all__ = [
    "DEFAULT_TOOL_NAMES",
    "LINE_NUMBER_WARNING",
    "TOOLS",
    "ArchivalHit",
    "Archive",
    "ArchiveQuery",
    "BlockChange",
    "BlockView",
    "CreateBlock",
    "DetachBlock",
    "HistoryHit",
    "HistorySearch",
    "MemoryEdit",
    "RenameBlock",
    "SetDescription",
    "SetValue",
    "ToolError",
    "ToolSpec",
    "format_model_time",
    "validate_arguments",
]
