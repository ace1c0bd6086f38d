"""JSON schemas of the annotations in a custom tool's Python source, read without running it.

An annotation is resolved statically, by name: against the builtins and `typing` names (also
written as `typing.X`, or imported under another name), and against the pydantic models defined
in the same source. A name imported from any other module cannot be resolved: the source is
never imported, so what it means is unknown.
"""

import ast
import math
from typing import Any

# A source's model classes may refer to each other many times over; inlining them all is
# exponential in the nesting, so a server stops after this many model expansions.
MAX_MODEL_EXPANSIONS = 1000

# Modules whose names mean the builtin or typing construct of the same name.
_KNOWN_MODULES = frozenset(
    {"builtins", "typing", "typing_extensions", "collections.abc", "pydantic"}
)
_SCALARS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
_LISTS = frozenset({"list", "List", "Sequence"})
_DICTS = frozenset({"dict", "Dict", "Mapping"})
_SETS = frozenset({"set", "Set", "frozenset", "FrozenSet"})
_UNSUPPORTED_REASONS = {
    **dict.fromkeys(("tuple", "Tuple"), "tuples are not supported; use list[...]"),
    **dict.fromkeys(_SETS, "sets are not supported; use list[...]"),
    "Callable": "a function cannot be passed as JSON",
    "bytes": "bytes cannot be passed as JSON; use str",
}


class SchemaError(ValueError):
    """Why a source cannot become a tool schema; str(error) is the inner message, e.g.
    "Function my_tool missing docstring"."""


class UnexpressibleType(SchemaError):
    """An annotation, or a part of one, that a tool schema cannot express; str() says why.

    The caller knows which parameter or field the annotation belongs to and words the message.
    """


class SourceTypes:
    """Resolves the annotations of one parsed source to JSON schemas."""

    def __init__(self, module: ast.Module) -> None:
        self._imports = _imported_names(module)
        self._classes = {
            node.name: node for node in ast.walk(module) if isinstance(node, ast.ClassDef)
        }
        self._resolving: list[str] = []  # the models being expanded, outermost first
        self._expansions = 0

    def field_type(self, annotation: ast.expr) -> tuple[dict[str, Any], bool]:
        """The schema of a parameter's or field's annotation, and whether it admits None.

        `Optional[X]`, `Union[X, None]` and `X | None` are X, optional; None is allowed only
        here, on the whole annotation: a JSON schema type cannot say "X or null" in our table.
        """
        node = self._unwrapped(annotation)
        members = self._union_members(node)
        if members is None:
            return self.value_type(node), False
        non_null = [member for member in members if not _is_none(member)]
        if len(non_null) == len(members):
            raise UnexpressibleType("a union of several types is not supported; only 'X | None'")
        if len(non_null) != 1:
            raise UnexpressibleType("only one type besides None may be optional")
        return self.value_type(non_null[0]), True

    def value_type(self, annotation: ast.expr) -> dict[str, Any]:
        """The schema of an annotation that must not admit None (a list's items, say)."""
        node = self._unwrapped(annotation)
        members = self._union_members(node)
        if members is not None:
            if any(_is_none(member) for member in members):
                raise UnexpressibleType("None is allowed only on a whole parameter or field")
            raise UnexpressibleType("a union of several types is not supported; only 'X | None'")
        if isinstance(node, ast.Subscript):
            return self._generic(node)
        kind, name = self._meaning(node)
        if kind == "class":
            return self._model(name)
        if kind == "imported":
            raise UnexpressibleType(_imported_reason(name))
        if name in _SCALARS:
            return {"type": _SCALARS[name]}
        if name in _LISTS:
            return {"type": "array", "items": {"type": "string"}}  # Letta's reading of bare list
        if name in _DICTS:
            return {"type": "object"}
        if name == "Any":
            return {}  # any JSON value
        raise UnexpressibleType(_unknown_reason(node, name))

    def _generic(self, node: ast.Subscript) -> dict[str, Any]:
        kind, name = self._meaning(node.value)
        arguments = _subscript_arguments(node)
        if kind == "imported":
            raise UnexpressibleType(_imported_reason(name))
        if kind == "known" and name in _LISTS:
            if len(arguments) != 1:
                raise UnexpressibleType(f"{name}[...] takes one item type")
            return {"type": "array", "items": self.value_type(arguments[0])}
        if kind == "known" and name in _DICTS:
            # Accepted (Letta refuses it): the keys and values are not described, only "object".
            return {"type": "object"}
        if kind == "known" and name == "Literal":
            return _literal_schema(arguments)
        if kind == "class":
            raise UnexpressibleType(f"'{name}' cannot take type arguments")
        raise UnexpressibleType(_unknown_reason(node.value, name))

    def _model(self, name: str) -> dict[str, Any]:
        if not self._is_model(name, set()):
            raise UnexpressibleType(
                f"'{name}' is a class of the source but not a pydantic BaseModel"
            )
        if name in self._resolving:
            raise UnexpressibleType(f"model '{name}' contains itself; a tool schema cannot recurse")
        self._expansions += 1
        if self._expansions > MAX_MODEL_EXPANSIONS:
            raise SchemaError(f"The models expand to more than {MAX_MODEL_EXPANSIONS} objects")
        self._resolving.append(name)
        try:
            properties: dict[str, Any] = {}
            required: list[str] = []
            for field_name, field in self._fields(name).items():
                schema, optional = self._field_schema(name, field_name, field)
                properties[field_name] = schema
                if not optional and not self._has_default(field.value):
                    required.append(field_name)
        finally:
            self._resolving.pop()
        return {"type": "object", "properties": properties, "required": required}

    def _field_schema(
        self, model: str, field_name: str, field: ast.AnnAssign
    ) -> tuple[dict[str, Any], bool]:
        where = f"Field '{field_name}' of model '{model}'"
        description = self._field_description(field)
        if not description:
            raise SchemaError(f"{where} lacks a description: give it Field(description=...)")
        try:
            schema, optional = self.field_type(field.annotation)
        except UnexpressibleType as error:
            text = ast.unparse(field.annotation)
            raise SchemaError(
                f"{where} has type '{text}', which a tool schema cannot express: {error}"
            ) from None
        return {**schema, "description": description}, optional

    def _fields(self, name: str, seen: frozenset[str] = frozenset()) -> dict[str, ast.AnnAssign]:
        """A model's annotated fields, inherited ones first (pydantic's order). `seen` stops
        a cycle of bases, which only a source that would not run can have."""
        fields: dict[str, ast.AnnAssign] = {}
        for base in self._classes[name].bases:
            kind, base_name = self._meaning(base)
            if kind == "class" and base_name not in seen | {name}:
                fields.update(self._fields(base_name, seen | {name}))
        for statement in self._classes[name].body:
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                field_name = statement.target.id
                private = field_name.startswith("_") or field_name == "model_config"
                if not private and not self._is_class_var(statement.annotation):
                    fields[field_name] = statement
        return fields

    def _field_description(self, field: ast.AnnAssign) -> str:
        """The `description=` of the field's Field(...), as its value or in Annotated[...]."""
        candidates = [field.value] if field.value is not None else []
        annotation = field.annotation
        while isinstance(annotation, ast.Subscript) and self._names(annotation.value, "Annotated"):
            candidates.extend(_subscript_arguments(annotation)[1:])
            annotation = _subscript_arguments(annotation)[0]
        for candidate in candidates:
            if isinstance(candidate, ast.Call) and self._names(candidate.func, "Field"):
                for keyword in candidate.keywords:
                    if keyword.arg == "description" and isinstance(keyword.value, ast.Constant):
                        value = keyword.value.value
                        if isinstance(value, str) and value.strip():
                            return value
        return ""

    def _has_default(self, value: ast.expr | None) -> bool:
        """Whether a field's value gives it a default: `= x`, `Field(x)`, `Field(default=x)`."""
        if value is None:
            return False
        if not (isinstance(value, ast.Call) and self._names(value.func, "Field")):
            return True
        given = [*value.args[:1], *(k.value for k in value.keywords if k.arg == "default")]
        if any(not (isinstance(v, ast.Constant) and v.value is Ellipsis) for v in given):
            return True
        return any(keyword.arg == "default_factory" for keyword in value.keywords)

    def _is_model(self, name: str, seen: set[str]) -> bool:
        seen.add(name)
        for base in self._classes[name].bases:
            kind, base_name = self._meaning(base)
            if kind == "known" and base_name == "BaseModel":
                return True
            if kind == "class" and base_name not in seen and self._is_model(base_name, seen):
                return True
        return False

    def _is_class_var(self, annotation: ast.expr) -> bool:
        head = annotation.value if isinstance(annotation, ast.Subscript) else annotation
        return self._names(head, "ClassVar")

    def _names(self, node: ast.expr, known_name: str) -> bool:
        return self._meaning(node) == ("known", known_name)

    def _unwrapped(self, annotation: ast.expr) -> ast.expr:
        """The annotation without quotes (forward references) and Annotated[...] wrappers."""
        node = annotation
        while True:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                node = _parsed_forward_reference(node.value)
            elif isinstance(node, ast.Subscript) and self._names(node.value, "Annotated"):
                node = _subscript_arguments(node)[0]
            else:
                return node

    def _union_members(self, node: ast.expr) -> list[ast.expr] | None:
        """The members of `A | B`, `Union[A, B]` or `Optional[A]` (None if not a union)."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return [*self._members_of(node.left), *self._members_of(node.right)]
        if isinstance(node, ast.Subscript) and self._names(node.value, "Union"):
            return _subscript_arguments(node)
        if isinstance(node, ast.Subscript) and self._names(node.value, "Optional"):
            return [*_subscript_arguments(node), ast.Constant(value=None)]
        return None

    def _members_of(self, node: ast.expr) -> list[ast.expr]:
        node = self._unwrapped(node)
        return self._union_members(node) or [node]

    def _meaning(self, node: ast.expr) -> tuple[str, str]:
        """What a (dotted) name stands for: ("class", name) for a class of the source,
        ("known", name) for a builtin or typing name, ("imported", "module.name") for a
        name from another module, ("expression", text) for anything that is not a name."""
        dotted = _dotted_name(node)
        if dotted is None:
            return "expression", ast.unparse(node)
        head, _, rest = dotted.partition(".")
        if not rest and head in self._classes:
            return "class", head
        if head in self._imports:
            dotted = self._imports[head] + (f".{rest}" if rest else "")
        module, _, name = dotted.rpartition(".")
        if not module or module in _KNOWN_MODULES:
            return "known", name
        return "imported", dotted


def _imported_names(module: ast.Module) -> dict[str, str]:
    """Each name an import binds, anywhere in the source, mapped to what it imports."""
    names: dict[str, str] = {}
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    head = alias.name.partition(".")[0]
                    names[head] = head
        elif isinstance(node, ast.ImportFrom):
            origin = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = f"{origin}.{alias.name}"
    return names


def _dotted_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _dotted_name(node.value)
        return None if owner is None else f"{owner}.{node.attr}"
    return None


def _subscript_arguments(node: ast.Subscript) -> list[ast.expr]:
    if isinstance(node.slice, ast.Tuple):
        return list(node.slice.elts) or [node.slice]
    return [node.slice]


def _parsed_forward_reference(text: str) -> ast.expr:
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise UnexpressibleType(f"the quoted annotation {text!r} is not an expression") from None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _literal_schema(arguments: list[ast.expr]) -> dict[str, Any]:
    values = [_literal_value(argument) for argument in arguments]
    kinds = {_JSON_KINDS[type(value)] for value in values}
    if kinds == {"integer", "number"}:
        kinds = {"number"}
    if len(kinds) != 1:
        raise UnexpressibleType("Literal values must be all strings, all numbers or all booleans")
    return {"type": kinds.pop(), "enum": values}


_JSON_KINDS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _literal_value(node: ast.expr) -> Any:
    negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
    constant = node.operand if isinstance(node, ast.UnaryOp) and negative else node
    if isinstance(constant, ast.Constant) and type(constant.value) in _JSON_KINDS:
        value = constant.value
        if isinstance(value, str | bool):
            if not negative:
                return value
        elif math.isfinite(value):
            return -value if negative else value
    text = ast.unparse(node)
    raise UnexpressibleType(f"the Literal value {text} is not a string, number or boolean")


def _imported_reason(dotted: str) -> str:
    return f"'{dotted}' is imported from another module; only types the source defines are known"


def _unknown_reason(node: ast.expr, name: str) -> str:
    if name in _UNSUPPORTED_REASONS:
        return _UNSUPPORTED_REASONS[name]
    return f"'{ast.unparse(node)}' is neither a JSON type nor a pydantic model the source defines"
