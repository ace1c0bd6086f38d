"""Plain values exchanged between the memory tools and the code that runs them.

A tool never touches storage: it reads `BlockView`s and answers with either a `MemoryEdit`
(changes for the caller to persist, plus what to tell the model) or a `ToolError`.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

# Shown above line-numbered block content so the model knows the numbers are not part of it.
LINE_NUMBER_WARNING = (
    "# NOTE: the 'N→' numbers at the start of the lines below are for display only; "
    "never include them in memory edit calls."
)

# Blocks created by the `memory` tool get this limit, matching the API's default block limit.
DEFAULT_BLOCK_LIMIT = 100_000  # Letta 1.0's default
# Labels become tag names in the prompt (`<human>...</human>`), so they stay simple.
LABEL_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"


@dataclass(frozen=True)
class BlockView:
    """What a tool sees of one memory block attached to the agent."""

    label: str
    value: str
    limit: int
    read_only: bool = False
    description: str | None = None


@dataclass(frozen=True)
class ToolError:
    """A failure reported to the model, which can read it and try again; never raised."""

    message: str


@dataclass(frozen=True)
class SetValue:
    """Replace the whole value of an existing block."""

    label: str
    value: str


@dataclass(frozen=True)
class CreateBlock:
    """Create a new block and attach it to the agent."""

    label: str
    value: str
    description: str | None


@dataclass(frozen=True)
class DetachBlock:
    """Detach a block from the agent."""

    label: str


@dataclass(frozen=True)
class RenameBlock:
    """Give an existing block a new label."""

    label: str
    new_label: str


@dataclass(frozen=True)
class SetDescription:
    """Replace the description of an existing block."""

    label: str
    description: str


BlockChange = SetValue | CreateBlock | DetachBlock | RenameBlock | SetDescription


@dataclass(frozen=True)
class MemoryEdit:
    """A successful memory tool call: the reply for the model and the changes to apply."""

    message: str
    changes: tuple[BlockChange, ...]


def format_model_time(moment: datetime) -> str:
    """Render a timestamp for a model, in UTC, e.g. '2024-05-01 02:30:00 PM UTC+0000'.

    A naive datetime is taken to be UTC already.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %I:%M:%S %p %Z%z")
