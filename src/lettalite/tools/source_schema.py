"""A custom tool's JSON schema, from its Python source or from a JSON schema a client gave.

Pure functions: the source is parsed, never imported or run. The rules are Letta's (the tool is
the last `def` in `ast.walk` order; a docstring describes it and each parameter; annotations are
resolved by name, see `source_types`), with these choices of ours: `async def` is a tool too;
`typing.X` attribute access, `X | None`, `Union[X, None]`, `Dict[K, V]` and `Any` are accepted.
Every failure is a `SchemaError` whose text says what to change.
"""

import ast
import re
import warnings
from typing import Any

import docstring_parser

from lettalite.tools.source_types import SchemaError, SourceTypes, UnexpressibleType
from lettalite.tools.tool_json_schemas import inline_object_schema, json_kind, object_schema

__all__ = [
    "SKIPPED_PARAMETERS",
    "SchemaError",
    "check_json_schema",
    "derive_json_schema",
    "schema_from_args_json_schema",
    "tool_function_name",
]

# The runtime fills these in; the model never sees them.
SKIPPED_PARAMETERS = frozenset({"self", "agent_state", "agent_id"})
# What LLM providers accept as a function name.
_FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def tool_function_name(source_code: str) -> str:
    """The name of the source's tool function (see `_tool_function`)."""
    return _tool_function(_parsed(source_code)).name


def derive_json_schema(source_code: str) -> dict[str, Any]:
    """`{"name", "description", "parameters"}` of the source's tool function."""
    module = _parsed(source_code)
    function = _tool_function(module)
    name = _checked_name(function.name)
    docstring = ast.get_docstring(function)
    if not docstring or not docstring.strip():
        raise SchemaError(f"Function {name} missing docstring")
    parsed = _parsed_docstring(name, docstring)
    return {
        "name": name,
        "description": _description(parsed),
        "parameters": _parameters(function, parsed, SourceTypes(module)),
    }


def schema_from_args_json_schema(
    source_code: str, args_json_schema: dict[str, Any]
) -> dict[str, Any]:
    """The tool's schema when its arguments are given as a JSON schema (a pydantic model's
    `model_json_schema()`): its `$ref`s are inlined; the description is the raw docstring."""
    function = _tool_function(_parsed(source_code))
    name = _checked_name(function.name)
    return {
        "name": name,
        "description": ast.get_docstring(function) or f"The {name} tool",
        "parameters": inline_object_schema(args_json_schema, "args_json_schema"),
    }


def check_json_schema(json_schema: dict[str, Any]) -> dict[str, Any]:
    """A client's `{name, description?, parameters?}`, checked, with the defaults filled in.

    The property schemas are kept as the client wrote them; other top-level keys pass through.
    """
    if not isinstance(json_schema, dict):
        raise SchemaError(f"json_schema must be a JSON object, not {json_kind(json_schema)}")
    name = json_schema.get("name")
    if not isinstance(name, str):
        raise SchemaError("json_schema needs a 'name' string: the tool's function name")
    description = json_schema.get("description")
    if description is not None and not isinstance(description, str):
        raise SchemaError("json_schema.description must be a string")
    checked = {key: value for key, value in json_schema.items() if key != "description"}
    checked["name"] = _checked_name(name)
    if description is not None:
        checked["description"] = description
    checked["parameters"] = object_schema(
        json_schema.get("parameters", {"type": "object"}), "json_schema.parameters"
    )
    return checked


def _parsed(source_code: str) -> ast.Module:
    try:
        with warnings.catch_warnings():  # e.g. invalid escape sequences: the user's business
            warnings.simplefilter("ignore")
            return ast.parse(source_code)
    except SyntaxError as error:
        line = f"line {error.lineno}: " if error.lineno else ""
        raise SchemaError(f"Source code does not parse: {line}{error.msg}") from None
    except (ValueError, RecursionError, MemoryError) as error:  # null bytes, absurd nesting
        raise SchemaError(f"Source code does not parse: {error}") from None


def _tool_function(module: ast.Module) -> FunctionNode:
    """The last top-level function (`async def` included). Letta takes the last `def` in
    `ast.walk` order, so a helper nested in the tool, or a validator method of a model,
    became the tool there; users mean the top-level function."""
    functions = [node for node in module.body if isinstance(node, FunctionNode)]
    if not functions:
        raise SchemaError("No functions found in source code")
    return functions[-1]


def _checked_name(name: str) -> str:
    if not _FUNCTION_NAME.fullmatch(name):
        raise SchemaError(
            f"Tool name {name!r} must be 1 to 64 ASCII letters, digits, underscores or hyphens"
        )
    return name


def _parsed_docstring(function: str, docstring: str) -> docstring_parser.Docstring:
    try:
        return docstring_parser.parse(docstring)
    # Not only ParseError: on a line such as ": :" docstring-parser 0.18 raises IndexError.
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        message = f"The docstring of function {function} does not parse ({reason})"
        raise SchemaError(message) from None


def _description(docstring: docstring_parser.Docstring) -> str:
    """Short and long description, then any Examples section; Returns and Raises stay out."""
    parts = [docstring.short_description, docstring.long_description]
    examples = [example.description for example in docstring.examples if example.description]
    if examples:
        parts.append("Examples:\n" + "\n".join(examples))
    return "\n\n".join(part for part in parts if part) or "No description available"


def _parameters(
    function: FunctionNode, docstring: docstring_parser.Docstring, types: SourceTypes
) -> dict[str, Any]:
    arguments = function.args
    for prefix, star in (("*", arguments.vararg), ("**", arguments.kwarg)):
        if star is not None:
            raise SchemaError(
                f"Parameter '{prefix}{star.arg}' in function '{function.name}' cannot be "
                "described by a tool schema: a tool takes named parameters only"
            )
    descriptions = {param.arg_name: param.description or "" for param in docstring.params}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for argument, has_default in _arguments_with_defaults(arguments):
        if argument.arg in SKIPPED_PARAMETERS:
            continue
        where = f"Parameter '{argument.arg}' in function '{function.name}'"
        if argument.arg in properties:
            raise SchemaError(f"{where} is declared twice")
        if argument.annotation is None:
            raise SchemaError(f"{where} lacks a type annotation")
        description = descriptions.get(argument.arg, "")
        if not description.strip():
            raise SchemaError(f"{where} lacks a description in the docstring")
        try:
            schema, optional = types.field_type(argument.annotation)
        except UnexpressibleType as error:
            raise SchemaError(
                f"{where} has type '{ast.unparse(argument.annotation)}', "
                f"which a tool schema cannot express: {error}"
            ) from None
        properties[argument.arg] = {**schema, "description": description}
        if not has_default and not optional:
            required.append(argument.arg)
    return {"type": "object", "properties": properties, "required": required}


def _arguments_with_defaults(arguments: ast.arguments) -> list[tuple[ast.arg, bool]]:
    """Every named parameter in signature order, with whether it has a default value."""
    positional = [*arguments.posonlyargs, *arguments.args]
    without_default = len(positional) - len(arguments.defaults)
    return [
        *((argument, index >= without_default) for index, argument in enumerate(positional)),
        *(
            (argument, default is not None)
            for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
        ),
    ]
