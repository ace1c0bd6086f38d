"""Template queries: templates by name, and their saved versions."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.server_models import TemplateRow, TemplateVersionRow
from lettalite.errors import NotFound


async def get_template(session: AsyncSession, name: str) -> TemplateRow:
    template = await find_template(session, name)
    if template is None:
        raise NotFound(f"Template {name} not found")
    return template


async def find_template(session: AsyncSession, name: str) -> TemplateRow | None:
    return await session.scalar(select(TemplateRow).where(TemplateRow.name == name))


async def get_version(
    session: AsyncSession, template: TemplateRow, version: int
) -> TemplateVersionRow:
    row = await session.scalar(
        select(TemplateVersionRow).where(
            TemplateVersionRow.template_id == template.id, TemplateVersionRow.version == version
        )
    )
    if row is None:
        raise NotFound(
            f"Template {template.name} has no version {version} "
            f"(its versions are 1 to {template.latest_version})"
        )
    return row


async def list_templates(
    session: AsyncSession,
    *,
    name: str | None,
    exact: bool,
    template_id: str | None,
    sort_by: str,
    offset: int,
    limit: int,
) -> Sequence[TemplateRow]:
    """One more than `limit` when there are more: the caller tells the next page from it."""
    query = select(TemplateRow)
    if name is not None:
        if exact:
            query = query.where(TemplateRow.name == name)
        else:
            pattern = name.lower()
            query = query.where(func.lower(TemplateRow.name).contains(pattern, autoescape=True))
    if template_id is not None:
        query = query.where(TemplateRow.id == template_id)
    order = TemplateRow.created_at if sort_by == "created_at" else TemplateRow.updated_at
    query = query.order_by(order.desc(), TemplateRow.id).offset(offset).limit(limit + 1)
    return (await session.scalars(query)).all()


async def list_versions(
    session: AsyncSession, template: TemplateRow, *, offset: int, limit: int
) -> Sequence[TemplateVersionRow]:
    """Newest first; one more than `limit` when there are more."""
    query = (
        select(TemplateVersionRow)
        .where(TemplateVersionRow.template_id == template.id)
        .order_by(TemplateVersionRow.version.desc())
        .offset(offset)
        .limit(limit + 1)
    )
    return (await session.scalars(query)).all()
