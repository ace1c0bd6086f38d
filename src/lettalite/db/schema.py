"""Which schema revision this code expects, and which one a database has."""

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from lettalite.db.session import Database

# The newest Alembic revision in migrations/versions; tests/test_migrations.py keeps them equal.
HEAD_REVISION = "0017"


async def current_revision(database_url: str) -> str | None:
    """The database's Alembic revision, or None for a database that was never migrated."""
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            result = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return result.scalar_one_or_none()
    except DBAPIError:
        return None
    finally:
        await database.dispose()
