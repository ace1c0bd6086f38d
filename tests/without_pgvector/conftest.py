from collections.abc import Iterator

import pytest

from tests.postgres_cluster import ThrowawayPostgres


@pytest.fixture
def cluster() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL server without pgvector of the test's own, which the test may install it on."""
    instance = ThrowawayPostgres()
    try:
        instance.start()
        yield instance
    finally:
        instance.destroy()
