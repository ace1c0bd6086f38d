"""A stored pip requirement as pip reads it (tools/custom.py)."""

import pytest

from lettalite.tools.custom import pip_spec


@pytest.mark.parametrize(
    ("version", "spec"),
    [
        (None, "requests"),
        ("", "requests"),
        ("2.32.3", "requests==2.32.3"),
        (">=2,<3", "requests>=2,<3"),
        ("~=2.3", "requests~=2.3"),
        ("!=2.0", "requests!=2.0"),
        # Not versions pip knows: pinned anyway, so the install fails and says so. Written
        # after the name, "latest" named another package: requestslatest, from the index.
        ("latest", "requests==latest"),
        ("-dev", "requests==-dev"),
        ("v2", "requests==v2"),
    ],
)
def test_a_version_is_a_pin_or_a_specifier_never_part_of_the_name(
    version: str | None, spec: str
) -> None:
    assert pip_spec({"name": "requests", "version": version}) == spec
