"""Checks and normalises the JSON schemas a client gives for a tool's parameters.

`inline_object_schema` turns a pydantic `model_json_schema()` into the shape the tools derived
from source have: `$ref`s replaced by what they point at, no `$defs`, no `title` or `default`
keywords, and `anyOf: [X, {"type": "null"}]` (pydantic's Optional) read as X.
"""

from typing import Any

from lettalite.tools.source_types import SchemaError

# A schema whose $refs point at the same definitions many times over expands exponentially.
MAX_REF_EXPANSIONS = 1000

_DROPPED_KEYWORDS = frozenset({"$defs", "definitions", "title", "default"})
# Keywords whose values are JSON data, not schemas: kept exactly as they are.
_DATA_KEYWORDS = frozenset({"enum", "const", "examples"})
_NULL = {"type": "null"}


def object_schema(schema: Any, where: str) -> dict[str, Any]:
    """`schema` checked to be an object schema, with `properties` and `required` filled in."""
    if not isinstance(schema, dict):
        raise SchemaError(f"{where} must be a JSON object, not {json_kind(schema)}")
    if schema.get("type", "object") != "object":
        given = schema["type"]
        raise SchemaError(f'{where} must be an object schema ("type": "object"), not {given!r}')
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise SchemaError(f"{where}.properties must be a JSON object, not {json_kind(properties)}")
    for name, property_schema in properties.items():
        if not isinstance(property_schema, dict):
            raise SchemaError(
                f"{where}.properties.{name} must be a JSON object, not {json_kind(property_schema)}"
            )
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(name, str) for name in required):
        raise SchemaError(f"{where}.required must be a list of property names")
    unknown = [name for name in required if name not in properties]
    if unknown:
        raise SchemaError(f"{where}.required names {unknown[0]!r}, which is not a property")
    checked = {**schema, "type": "object", "properties": properties, "required": required}
    _check_keywords(checked, where)
    return checked


def _check_keywords(schema: dict[str, Any], where: str) -> None:
    """JSON Schema's keywords used as it defines them: the tool's arguments are checked
    against this schema on every call, which a `"type": "integr"` would make fail."""
    from jsonschema import Draft202012Validator  # imported on first use: ~60 ms at startup
    from jsonschema.exceptions import SchemaError as InvalidSchema

    try:
        Draft202012Validator.check_schema(schema)
    except InvalidSchema as error:
        at = "/".join(str(part) for part in error.absolute_path)
        message = f"{where} is not a valid JSON schema at '{at}': {error.message}"
        raise SchemaError(message) from None


def inline_object_schema(schema: Any, where: str) -> dict[str, Any]:
    """A pydantic model's JSON schema as a tool's parameters: see the module docstring."""
    if not isinstance(schema, dict):
        raise SchemaError(f"{where} must be a JSON object, not {json_kind(schema)}")
    # The root itself may be a $ref: pydantic writes a recursive model's schema that way.
    checked = object_schema(_Inliner(schema, where).inline(schema), where)
    return {"type": "object", "properties": checked["properties"], "required": checked["required"]}


class _Inliner:
    def __init__(self, root: dict[str, Any], where: str) -> None:
        self._root = root
        self._where = where
        self._following: list[str] = []  # the $refs being expanded, outermost first
        self._expansions = 0

    def inline(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return self._followed(node)
        optional_of = _optional_member(node)
        if optional_of is not None:
            rest = {key: value for key, value in node.items() if key != "anyOf"}
            return self.inline({**optional_of, **rest})
        inlined: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROPPED_KEYWORDS:
                continue
            if key in _DATA_KEYWORDS:
                inlined[key] = value
            elif key == "properties" and isinstance(value, dict):  # names here are not keywords
                inlined[key] = {name: self.inline(item) for name, item in value.items()}
            else:
                inlined[key] = self.inline(value)
        return inlined

    def _followed(self, node: dict[str, Any]) -> dict[str, Any]:
        reference = node["$ref"]
        if reference in self._following:
            raise SchemaError(
                f"{self._where} refers to itself through {reference!r}, "
                "and a tool schema cannot be recursive"
            )
        self._expansions += 1
        if self._expansions > MAX_REF_EXPANSIONS:
            raise SchemaError(f"{self._where} expands to more than {MAX_REF_EXPANSIONS} $refs")
        self._following.append(reference)
        try:
            target = self.inline(self._target(reference))
        finally:
            self._following.pop()
        # Keywords beside the $ref (pydantic puts a field's description there) win.
        beside = self.inline({key: value for key, value in node.items() if key != "$ref"})
        return {**target, **beside}

    def _target(self, reference: Any) -> dict[str, Any]:
        """What a local JSON pointer ("#/$defs/Name") points at in the root schema."""
        if not isinstance(reference, str) or not reference.startswith("#"):
            raise SchemaError(f"{self._where} has a $ref that does not resolve: {reference!r}")
        target: Any = self._root
        for raw in reference[1:].split("/")[1:]:
            key = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and key in target:
                target = target[key]
            elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
                target = target[int(key)]
            else:
                raise SchemaError(f"{self._where} has a $ref that does not resolve: {reference!r}")
        if not isinstance(target, dict):
            raise SchemaError(f"{self._where} has a $ref to {json_kind(target)}: {reference!r}")
        return target


def _optional_member(node: dict[str, Any]) -> dict[str, Any] | None:
    """X, when the node is pydantic's Optional: `anyOf: [X, {"type": "null"}]`."""
    members = node.get("anyOf")
    if not isinstance(members, list) or _NULL not in members:
        return None
    others = [member for member in members if member != _NULL]
    if len(others) != 1 or not isinstance(others[0], dict):
        return None
    return others[0]


def json_kind(value: Any) -> str:
    """How an error names the JSON type of a value it did not expect."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__
