"""Letta-style identifiers: `<prefix>-<lowercase uuid4>`."""

import uuid

UUID4_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


def id_pattern(prefix: str) -> str:
    return f"^{prefix}-{UUID4_PATTERN}$"


def part_otid(message_id: str, part_index: int) -> str:
    """A stable otid for the Nth wire message rendered from one stored message.

    The stored message's uuid with its low 7 bits replaced by the part index, as Letta does,
    so clients that group streamed chunks by otid see the same values here.
    """
    message_uuid = uuid.UUID(message_id.split("-", 1)[1])
    return str(uuid.UUID(int=(message_uuid.int & ~0x7F) | (part_index & 0x7F)))
