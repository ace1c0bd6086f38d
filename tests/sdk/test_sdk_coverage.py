"""Which operations of the official Python SDK (letta-client 1.x) lettalite has no route for.

Walks the SDK's resource classes from `Letta` down, reads each method's HTTP method and path
from its generated source, and looks in the app's OpenAPI document for a route with the same
method and path shape. Run it to print what is missing:

    PYTHONPATH=src python tests/sdk/test_sdk_coverage.py

The test fails when an operation is missing that `KNOWN_GAPS` does not name: a gap must be
deliberate, and closing one means deleting its line here.
"""

import inspect
import re
from dataclasses import dataclass
from functools import cache

from letta_client import Letta
from letta_client._compat import cached_property

from lettalite.app import create_app
from lettalite.config import Settings

# `self._get(path_template("/v1/x/{id}", ...)`, `self._get_api_list("/v1/x/", ...)`, and the
# client's own `self.get("/v1/health/", ...)`.
CALL = re.compile(
    r"self\._?(get_api_list|get|post|patch|put|delete)\(\s*(?:path_template\(\s*)?\"([^\"]+)\""
)
PARAMETER = re.compile(r"\{[^}]*\}")

# Operations lettalite does not serve yet: groups other work of issue 18 adds (folders, files,
# archives, passages, schedules, templates, agent files) and Letta Cloud's environments.
KNOWN_GAPS = {"POST /v1/agents/import", "GET /v1/agents/{}/export"}
KNOWN_GAP_PREFIXES = (
    "/v1/environments",
    "/v1/folders",
    "/v1/archives",
    "/v1/passages",
    "/v1/templates",
    "/v1/agents/{}/files",
    "/v1/agents/{}/folders",
    "/v1/agents/{}/archives",
    "/v1/agents/{}/schedule",
)


@dataclass(frozen=True)
class Operation:
    name: str  # how the SDK spells it: `agents.blocks.attach`
    method: str
    path: str  # the path with every parameter written `{}`

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def shape(path: str) -> str:
    return PARAMETER.sub("{}", path)


def resource_attributes(cls: type) -> list[str]:
    return [
        name
        for name, value in inspect.getmembers(cls)
        if isinstance(value, cached_property) and not name.startswith("with_")
    ]


def operations_of(resource: object, prefix: str) -> list[Operation]:
    found: list[Operation] = []
    cls = type(resource)
    for name, function in inspect.getmembers(cls, inspect.isfunction):
        if name.startswith("_"):
            continue
        for verb, path in CALL.findall(inspect.getsource(function)):
            method = "GET" if verb == "get_api_list" else verb.upper()
            found.append(Operation(f"{prefix}{name}", method, shape(path)))
    for name in resource_attributes(cls):
        found.extend(operations_of(getattr(resource, name), f"{prefix}{name}."))
    return found


def sdk_operations() -> list[Operation]:
    client = Letta(base_url="http://127.0.0.1:1", api_key="unused")
    return sorted(operations_of(client, ""), key=lambda op: (op.path, op.method))


@cache
def served_routes() -> frozenset[str]:
    app = create_app(Settings(LETTALITE_DATABASE_URL="sqlite+aiosqlite:///:memory:"))
    return frozenset(
        f"{method.upper()} {shape(path).rstrip('/')}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    )


def is_served(operation: Operation) -> bool:
    # The SDK writes collections with a trailing slash; lettalite serves both spellings.
    return f"{operation.method} {operation.path.rstrip('/')}" in served_routes()


def is_known_gap(operation: Operation) -> bool:
    return operation.key in KNOWN_GAPS or operation.path.startswith(KNOWN_GAP_PREFIXES)


def missing_operations() -> list[Operation]:
    return [op for op in sdk_operations() if not is_served(op)]


def test_every_sdk_operation_is_served_or_a_known_gap() -> None:
    unexpected = [f"{op.name}: {op.key}" for op in missing_operations() if not is_known_gap(op)]
    assert unexpected == []


def test_the_walk_finds_the_sdk_operations() -> None:
    # Guards the walk itself: a changed code generator would otherwise make everything pass.
    keys = {op.key for op in sdk_operations()}
    assert len(keys) >= 129  # letta-client 1.12.1
    assert {"GET /v1/health/", "GET /v1/steps/{}/trace", "PATCH /v1/blocks/{}"} <= keys


def main() -> None:
    operations = sdk_operations()
    missing = missing_operations()
    for op in missing:
        note = "  (known gap)" if is_known_gap(op) else ""
        print(f"{op.method:6} {op.path:60} {op.name}{note}")
    print(f"{len(operations) - len(missing)} of {len(operations)} SDK operations served")


if __name__ == "__main__":
    main()
