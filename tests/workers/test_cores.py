"""The default number of workers: one per core, at most a container's CPU quota."""

import pytest

from lettalite.workers import cores_in_quota


@pytest.mark.parametrize(
    ("cpu_max", "cores"),
    [("max 100000", None), ("200000 100000", 2), ("150000 100000", 2), ("5000 100000", 1)],
)
def test_a_cpu_quota_counts_as_its_cores_rounded_up(cpu_max: str, cores: int | None) -> None:
    assert cores_in_quota(cpu_max + "\n") == cores
