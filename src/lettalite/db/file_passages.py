"""File chunk queries: listing a folder's chunks, and search by vector or full text, scoped
to a set of folders (those attached to an agent)."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.db.folder_models import FilePassageRow
from lettalite.db.fulltext import query_words, ranked_match
from lettalite.db.pagination import Page, SortKey, paginate
from lettalite.db.passages import nearest_ranked_in_python
from lettalite.db.vectors import RANKS_IN_PYTHON, cosine_distance

FILE_PASSAGE_SORT = SortKey(FilePassageRow.created_at, FilePassageRow.id)


async def list_folder_passages(
    session: AsyncSession, folder_id: str, page: Page
) -> list[FilePassageRow]:
    query = select(FilePassageRow).where(FilePassageRow.folder_id == folder_id)
    return await paginate(session, query, FILE_PASSAGE_SORT, page)


async def nearest_file_passages(
    session: AsyncSession,
    folder_ids: Sequence[str],
    *,
    vector: list[float],
    embedding_model: str,
    limit: int,
) -> list[tuple[FilePassageRow, float | None]]:
    """The chunks embedded by `embedding_model` closest to `vector`, with cosine distances."""
    statement = select(FilePassageRow).where(
        FilePassageRow.folder_id.in_(folder_ids),
        FilePassageRow.embedding_model == embedding_model,
        FilePassageRow.embedding.is_not(None),
    )
    if session.info.get(RANKS_IN_PYTHON):
        return await nearest_ranked_in_python(session, FilePassageRow, statement, vector, limit)
    distance = cosine_distance(FilePassageRow.embedding, vector, session.bind.dialect.name)
    statement = (
        statement.add_columns(distance)
        .order_by(distance, FilePassageRow.chunk_index, FilePassageRow.id)
        .limit(limit)
    )
    return [(row, distance) for row, distance in await session.execute(statement)]


async def matching_file_passages(
    session: AsyncSession,
    folder_ids: Sequence[str],
    *,
    query: str,
    limit: int,
    excluding: Sequence[str] = (),
) -> list[FilePassageRow]:
    """Chunks sharing a word with `query`, best full-text rank first."""
    words = query_words(query)
    if not words:
        return []
    statement = select(FilePassageRow).where(FilePassageRow.folder_id.in_(folder_ids))
    if excluding:
        statement = statement.where(FilePassageRow.id.not_in(excluding))
    statement = ranked_match(statement, "file_passage", words, session.bind.dialect.name)
    return list(await session.scalars(statement.limit(limit)))
