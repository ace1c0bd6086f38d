"""Document ids: each database id becomes `<prefix>-<n>`, numbered per prefix."""

from collections import defaultdict
from datetime import datetime

from pydantic import TypeAdapter

from lettalite.schemas.common import ResourceTime

_RESOURCE_TIME: TypeAdapter[datetime] = TypeAdapter(ResourceTime)


class IdMap:
    """Database ids to document ids, numbered per prefix in the order they are met."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._counts: dict[str, int] = defaultdict(int)

    def __call__(self, prefix: str, database_id: str) -> str:
        if database_id not in self._ids:
            self._ids[database_id] = f"{prefix}-{self._counts[prefix]}"
            self._counts[prefix] += 1
        return self._ids[database_id]

    def get(self, database_id: str) -> str | None:
        return self._ids.get(database_id)


def timestamp(value: datetime) -> str:
    return _RESOURCE_TIME.dump_python(value)
