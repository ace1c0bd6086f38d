"""Ranked full-text matching over a table's indexed text.

SQLite: an FTS5 table `<table>_fts` that follows the table's rowids (kept by triggers).
PostgreSQL: a stored, GIN-indexed `<table>.search_vector` tsvector. See migrations 0003/0004.
"""

import re
from typing import Any

from sqlalchemy import Float, Integer, Select, func, literal_column, text


def query_words(query: str) -> list[str]:
    """The words of a search query; punctuation is never passed to the FTS query language."""
    return re.findall(r"\w+", query)


def ranked_match(statement: Select[Any], table: str, words: list[str], dialect: str) -> Select[Any]:
    """Restrict `statement` (selecting from `table`) to rows matching any word, best first."""
    if dialect == "sqlite":
        index = f"{table}_fts"
        fts = (
            text(f"SELECT rowid, bm25({index}) AS rank FROM {index} WHERE {index} MATCH :match")
            .bindparams(match=" OR ".join(f'"{word}"' for word in words))
            .columns(rowid=Integer, rank=Float)
            .subquery()
        )
        return statement.join(fts, literal_column(f"{table}.rowid") == fts.c.rowid).order_by(
            fts.c.rank  # bm25: lower is better
        )
    document = literal_column(f"{table}.search_vector")
    wanted = func.websearch_to_tsquery(literal_column("'english'"), " or ".join(words))
    return statement.where(document.op("@@")(wanted)).order_by(
        func.ts_rank(document, wanted).desc()
    )
