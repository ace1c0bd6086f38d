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
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from letta_client import Letta
from letta_client._compat import cached_property
from letta_client._utils import maybe_transform

from lettalite.app import create_app
from lettalite.config import Settings

# `self._get(path_template("/v1/x/{id}", ...)`, `self._get_api_list("/v1/x/", ...)`, and the
# client's own `self.get("/v1/health/", ...)`.
CALL = re.compile(
    r"self\._?(get_api_list|get|post|patch|put|delete)\(\s*(?:path_template\(\s*)?\"([^\"]+)\""
)
PARAMETER = re.compile(r"\{[^}]*\}")
# `query=maybe_transform({"after": after, ...}, x_params.XParams)`, and the same for `body=`:
# what a call sends, by its Python names and the params type that maps them to wire names.
SENT = re.compile(r"(?:query|body)=(?:async_)?maybe_transform\(\s*\{(.*?)\},\s*([\w.]+)", re.S)
KEY = re.compile(r'"(\w+)":')

# Operations lettalite does not serve: Letta Cloud's environments (issue 18 leaves them out).
KNOWN_GAPS: set[str] = set()
KNOWN_GAP_PREFIXES = ("/v1/environments",)


@dataclass(frozen=True)
class Operation:
    name: str  # how the SDK spells it: `agents.blocks.attach`
    method: str
    path: str  # the path with every parameter written `{}`
    sent: frozenset[str] = frozenset()  # the query parameters and body fields it sends

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
        code = inspect.getsource(function)
        sent = frozenset(
            key for keys, params in SENT.findall(code) for key in wire_names(function, keys, params)
        )
        for verb, path in CALL.findall(code)[:1]:
            method = "GET" if verb == "get_api_list" else verb.upper()
            found.append(Operation(f"{prefix}{name}", method, shape(path), sent))
    for name in resource_attributes(cls):
        found.extend(operations_of(getattr(resource, name), f"{prefix}{name}."))
    return found


def wire_names(function: Callable[..., Any], keys: str, params_type: str) -> set[str]:
    """The names the SDK sends for these Python names (its params types rename some)."""
    names = dict.fromkeys(KEY.findall(keys))
    scope: Any = function.__globals__
    for part in params_type.split("."):
        scope = scope.get(part) if isinstance(scope, dict) else getattr(scope, part, None)
    # A params type the module does not name at run time (imported for type checking): as is.
    return set(names if scope is None else maybe_transform(names, scope))


def sdk_operations() -> list[Operation]:
    client = Letta(base_url="http://127.0.0.1:1", api_key="unused")
    return sorted(operations_of(client, ""), key=lambda op: (op.path, op.method))


@cache
def openapi() -> dict[str, Any]:
    app = create_app(Settings(LETTALITE_DATABASE_URL="sqlite+aiosqlite:///:memory:"))
    return app.openapi()


def properties(schema: dict[str, Any]) -> set[str]:
    """The field names of a request body schema (through `$ref` and `anyOf`)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return properties(openapi()["components"]["schemas"][name])
    found = set(schema.get("properties", {}))
    for option in schema.get("anyOf", ()):
        found |= properties(option)
    return found


@cache
def served_routes() -> dict[str, frozenset[str]]:
    """`METHOD /path/{}` of every route, with the query parameters and body fields it reads."""
    routes = {}
    for path, operations in openapi()["paths"].items():
        for method, operation in operations.items():
            query = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"}
            content = operation.get("requestBody", {}).get("content", {})
            body = {field for media in content.values() for field in properties(media["schema"])}
            routes[f"{method.upper()} {shape(path).rstrip('/')}"] = frozenset(query | body)
    return routes


def route_of(operation: Operation) -> frozenset[str] | None:
    # The SDK writes collections with a trailing slash; lettalite serves both spellings.
    return served_routes().get(f"{operation.method} {operation.path.rstrip('/')}")


def is_served(operation: Operation) -> bool:
    return route_of(operation) is not None


def unread_parameters(operation: Operation) -> list[str]:
    """What the SDK sends that the route does not declare (and so silently ignores)."""
    return sorted(operation.sent - (route_of(operation) or operation.sent))


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
    print("\nSent by the SDK, not read by the route (ignored):")
    for op in operations:
        if unread := unread_parameters(op):
            print(f"{op.name:34} {', '.join(unread)}")


if __name__ == "__main__":
    main()
