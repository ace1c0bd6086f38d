"""The tags in use: every tag of an agent or a block, listed by name."""

from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db import agents as agent_queries
from lettalite.db import blocks as block_queries
from lettalite.db.pagination import Page


async def list_tags(session: AsyncSession, page: Page, name: str | None) -> list[str]:
    """Tags sorted by name; `after`/`before` are tags, `name` a case-insensitive substring."""
    tags = {
        *await agent_queries.all_agent_tags(session),
        *await block_queries.all_block_tags(session),
    }
    if name:
        tags = {tag for tag in tags if name.lower() in tag.lower()}
    ordered = sorted(tags, reverse=page.order == "desc")
    # Keyed by position in the listing's order, so cursors need not be tags still in use.
    ahead = (lambda a, b: a > b) if page.order == "asc" else (lambda a, b: a < b)
    if page.after is not None:
        ordered = [tag for tag in ordered if ahead(tag, page.after)]
    if page.before is not None:
        ordered = [tag for tag in ordered if ahead(page.before, tag)]
        if page.after is None:
            return ordered[-page.limit :]
    return ordered[: page.limit]
