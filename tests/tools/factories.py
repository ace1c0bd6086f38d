"""Small builders shared by the tool tests."""

from lettalite.tools import BlockView


def blocks_of(*views: BlockView) -> dict[str, BlockView]:
    """Key blocks by label, keeping the given order as the display order."""
    return {view.label: view for view in views}


def standard_blocks() -> dict[str, BlockView]:
    """A writable human block, a persona block and a read-only policy block."""
    return blocks_of(
        BlockView("human", "Name: Bob\nLikes: tea\nCity: Oslo", limit=1000),
        BlockView("persona", "I am a helpful assistant.", limit=1000),
        BlockView("policy", "Never share secrets.", limit=1000, read_only=True),
    )
