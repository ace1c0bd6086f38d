"""Declares tools once: a typed, documented function becomes its own OpenAI function schema.

The first positional parameter of a tool is its context (the agent's blocks, a history
searcher or its archival memory) and is supplied by the server; every keyword-only parameter
after it is an argument the model fills in, described by the docstring's `Args:` section.
"""

import ast
import inspect
import re
import textwrap
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import (
    Any,
    Literal,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

from lettalite.tools.blocks import ToolError

ToolType = Literal[
    "letta_core", "letta_memory_core", "letta_sleeptime_core", "letta_builtin", "letta_files_core"
]
# What the server hands a tool as its first argument; "none" and "sandbox" tools take none
# ("sandbox" tools run, as their own source, in the custom-tool sandbox).
ToolContext = Literal["blocks", "history", "archive", "files", "none", "sandbox"]
ToolFunction = TypeVar("ToolFunction", bound=Callable[..., Any])
Registrar = Callable[[ToolFunction], ToolFunction]


@dataclass(frozen=True)
class ToolSpec:
    """Everything the server needs to offer a tool to a model and to run it."""

    name: str
    tool_type: ToolType
    description: str
    json_schema: dict[str, Any]
    function: Callable[..., Any]
    attached_by_default: bool
    context: ToolContext
    source_code: str | None = None  # "sandbox" tools: the function's own source


TOOLS: dict[str, ToolSpec] = {}

_SECTION_HEADER = re.compile(r"(Args|Arguments|Returns|Yields|Raises|Examples?|Notes?):")
_ARG_ENTRY = re.compile(r"(?P<name>\w+)\s*(?:\([^)]*\))?\s*:\s*(?P<text>.*)")
_SCALAR_TYPES: dict[Any, str] = {str: "string", int: "integer", bool: "boolean"}
_TYPE_NOUNS = {
    "string": ("a string", "strings"),
    "integer": ("an integer", "integers"),
    "boolean": ("a boolean", "booleans"),
    "array": ("an array", "arrays"),
    "object": ("an object", "objects"),
}


def memory_tool(*, tool_type: ToolType, default: bool = False) -> Registrar[ToolFunction]:
    """Register a tool whose context is the agent's blocks, keyed by label."""
    return _registrar(tool_type, default, "blocks")


def history_tool(*, tool_type: ToolType, default: bool = False) -> Registrar[ToolFunction]:
    """Register a tool whose context is a searcher over the agent's message history."""
    return _registrar(tool_type, default, "history")


def archive_tool(*, tool_type: ToolType, default: bool = False) -> Registrar[ToolFunction]:
    """Register a tool whose context is the agent's archival memory."""
    return _registrar(tool_type, default, "archive")


def files_tool(*, tool_type: ToolType) -> Registrar[ToolFunction]:
    """Register a tool whose context is the files of the folders attached to the agent."""
    return _registrar(tool_type, False, "files")


def plain_tool(*, tool_type: ToolType) -> Registrar[ToolFunction]:
    """Register a tool that needs nothing from the server but its arguments."""
    return _registrar(tool_type, False, "none")


def sandboxed_tool(*, tool_type: ToolType) -> Registrar[ToolFunction]:
    """Register a tool that runs, as its own source, in the sandbox that runs custom tools:
    it must import what it needs inside its body."""
    return _registrar(tool_type, False, "sandbox")


def _registrar(tool_type: ToolType, default: bool, context: ToolContext) -> Registrar[ToolFunction]:
    def register(function: ToolFunction) -> ToolFunction:
        spec = build_tool_spec(function, tool_type=tool_type, default=default, context=context)
        if spec.name in TOOLS:
            raise ValueError(f"Tool {spec.name!r} is registered twice")
        TOOLS[spec.name] = spec
        return function

    return register


def build_tool_spec(
    function: Callable[..., Any], *, tool_type: ToolType, default: bool, context: ToolContext
) -> ToolSpec:
    """Build (without registering) the spec of a tool; raises TypeError if it is ill-declared."""
    name = function.__name__
    if not function.__doc__:
        raise TypeError(f"Tool {name} needs a docstring: it becomes the tool's description")
    description, arg_docs = _parse_docstring(function.__doc__)
    if not description:
        raise TypeError(f"Tool {name} needs a description before its Args section")
    parameters = _parameters_schema(function, arg_docs, context)
    return ToolSpec(
        name=name,
        tool_type=tool_type,
        description=description,
        json_schema={"name": name, "description": description, "parameters": parameters},
        function=function,
        attached_by_default=default,
        context=context,
        source_code=_own_source(function) if context == "sandbox" else None,
    )


def _own_source(function: Callable[..., Any]) -> str:
    """The function's source without its decorators: what the sandbox runs. Annotations stay
    unevaluated there, so the names they use need not be imported."""
    source = textwrap.dedent(inspect.getsource(function))
    definition = ast.parse(source).body[0]
    body = "\n".join(source.splitlines()[definition.lineno - 1 :])
    return f"from __future__ import annotations\n\n{body}\n"


def _parse_docstring(docstring: str) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into its description and its Args descriptions."""
    description: list[str] = []
    arg_lines: list[str] = []
    section: str | None = None
    for line in inspect.cleandoc(docstring).splitlines():
        header = _SECTION_HEADER.fullmatch(line.rstrip())
        if header:
            section = header[1]
        elif section is None:
            description.append(line)
        elif section in ("Args", "Arguments"):
            arg_lines.append(line)
    return _unwrap(description), _parse_args_section(arg_lines)


def _unwrap(lines: list[str]) -> str:
    """Undo the docstring's hard wrapping; blank lines and '- ' list items still break lines."""
    paragraphs: list[str] = []
    joinable = False
    for line in lines:
        text = line.strip()
        if not text:
            if paragraphs and paragraphs[-1]:
                paragraphs.append("")
            joinable = False
        elif joinable and not text.startswith("- "):
            paragraphs[-1] += " " + text
        else:
            paragraphs.append(text)
            joinable = True
    return "\n".join(paragraphs).strip()


def _parse_args_section(lines: list[str]) -> dict[str, str]:
    pieces: dict[str, list[str]] = {}
    entry_indent: int | None = None
    current: str | None = None
    for line in lines:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        entry = _ARG_ENTRY.fullmatch(line.strip())
        if entry and (entry_indent is None or indent <= entry_indent):
            entry_indent, current = indent, entry["name"]
            pieces[current] = [entry["text"]]
        elif current is not None:
            pieces[current].append(line.strip())
        else:
            raise TypeError(f"Cannot read this line of an Args section: {line!r}")
    return {name: " ".join(part for part in parts if part) for name, parts in pieces.items()}


def _parameters_schema(
    function: Callable[..., Any], arg_docs: dict[str, str], context_kind: ToolContext
) -> dict[str, Any]:
    name = function.__name__
    hints = get_type_hints(function)
    parameters = list(inspect.signature(function).parameters.values())
    takes_context = context_kind not in ("none", "sandbox")
    context, arguments = (parameters[0], parameters[1:]) if takes_context else (None, parameters)
    if context is not None and context.kind not in (
        context.POSITIONAL_ONLY,
        context.POSITIONAL_OR_KEYWORD,
    ):
        raise TypeError(f"Tool {name}: the first parameter must be the positional context")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for parameter in arguments:
        where = f"Tool {name}, parameter {parameter.name!r}"
        if parameter.kind is not parameter.KEYWORD_ONLY:
            raise TypeError(f"{where}: model arguments must be keyword-only")
        if not arg_docs.get(parameter.name):
            raise TypeError(f"{where}: no description in the docstring's Args section")
        if parameter.name not in hints:
            raise TypeError(f"{where}: missing type annotation")
        schema, optional = _schema_for_annotation(hints[parameter.name])
        has_default = parameter.default is not parameter.empty
        if optional and not has_default:
            raise TypeError(f"{where}: an optional argument needs a default value")
        properties[parameter.name] = {**schema, "description": arg_docs[parameter.name]}
        if not has_default:
            required.append(parameter.name)
    undeclared = set(arg_docs) - set(properties) - {context.name if context else ""}
    if undeclared:
        raise TypeError(f"Tool {name}: documents unknown parameters {sorted(undeclared)}")
    return {"type": "object", "properties": properties, "required": required}


def _schema_for_annotation(annotation: Any) -> tuple[dict[str, Any], bool]:
    """Return the JSON schema of an annotation and whether it admits None."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = get_args(annotation)
        non_null = [member for member in members if member is not type(None)]
        if len(non_null) != 1 or len(non_null) == len(members):
            raise TypeError(f"Only 'X | None' unions are supported, not {annotation!r}")
        return _schema_for_type(non_null[0]), True
    return _schema_for_type(annotation), False


def _schema_for_type(annotation: Any) -> dict[str, Any]:
    if annotation in _SCALAR_TYPES:
        return {"type": _SCALAR_TYPES[annotation]}
    origin = get_origin(annotation)
    if origin is Literal:
        values = get_args(annotation)
        kinds = {type(value) for value in values}
        if len(kinds) != 1 or next(iter(kinds)) not in _SCALAR_TYPES:
            raise TypeError(f"Literal values must all share one scalar type: {annotation!r}")
        return {"type": _SCALAR_TYPES[next(iter(kinds))], "enum": list(values)}
    if origin is list:
        (item,) = get_args(annotation)
        return {"type": "array", "items": _schema_for_type(item)}
    if is_typeddict(annotation):
        return _object_schema(annotation)
    raise TypeError(f"Unsupported tool parameter annotation: {annotation!r}")


def _object_schema(annotation: Any) -> dict[str, Any]:
    """A TypedDict as a JSON object; its optional keys (NotRequired) may also be null."""
    properties = {}
    for key, hint in get_type_hints(annotation).items():
        schema, _ = _schema_for_annotation(hint)
        properties[key] = schema
    required = [key for key in properties if key in annotation.__required_keys__]
    return {"type": "object", "properties": properties, "required": required}


def validate_arguments(spec: ToolSpec, args: Mapping[str, Any]) -> dict[str, Any] | ToolError:
    """Check a model's arguments against a tool's schema; return them as a dict or a ToolError.

    An optional argument explicitly set to null means "not given": it is accepted and left out
    of the returned dict, so the tool's own default applies.
    """
    if not isinstance(args, Mapping):
        return ToolError(f"Arguments for {spec.name} must be a JSON object, got {_json_type(args)}")
    parameters = spec.json_schema["parameters"]
    properties: dict[str, Any] = parameters["properties"]
    required: list[str] = parameters["required"]
    missing = [name for name in required if name not in args]
    if missing:
        noun = "argument" if len(missing) == 1 else "arguments"
        return ToolError(f"Missing required {noun} {_quoted(missing)} for {spec.name}")
    unknown = [name for name in args if name not in properties]
    if unknown:
        noun = "argument" if len(unknown) == 1 else "arguments"
        accepted = ", ".join(properties) or "none"
        return ToolError(
            f"Unknown {noun} {_quoted(unknown)} for {spec.name}. Accepted arguments: {accepted}"
        )
    given = {name: value for name, value in args.items() if value is not None or name in required}
    for name, value in given.items():
        problem = _type_problem(properties[name], value)
        if problem:
            return ToolError(f"Argument '{name}' {problem}")
    return given


def _type_problem(schema: Mapping[str, Any], value: Any) -> str | None:
    if _json_type(value) != schema["type"]:
        return f"must be {_describe(schema)}, got {_json_type(value)}"
    if "enum" in schema and value not in schema["enum"]:
        return f"must be one of {_quoted(schema['enum'])}, got {value!r}"
    if schema["type"] == "array":
        for index, item in enumerate(value):
            problem = _type_problem(schema["items"], item)
            if problem:
                return f"item {index} {problem}"
    if schema["type"] == "object":
        return _object_problem(schema, value)
    return None


def _object_problem(schema: Mapping[str, Any], value: Mapping[str, Any]) -> str | None:
    properties = schema["properties"]
    missing = [key for key in schema["required"] if key not in value]
    if missing:
        return f"is missing {_quoted(missing)}"
    unknown = [key for key in value if key not in properties]
    if unknown:
        return f"has unknown keys {_quoted(unknown)}; accepted: {', '.join(properties)}"
    for key, item in value.items():
        if item is None and key not in schema["required"]:
            continue
        problem = _type_problem(properties[key], item)
        if problem:
            return f"key '{key}' {problem}"
    return None


def _describe(schema: Mapping[str, Any]) -> str:
    if schema["type"] == "array":
        return f"an array of {_TYPE_NOUNS[schema['items']['type']][1]}"
    return _TYPE_NOUNS[schema["type"]][0]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _quoted(names: list[Any]) -> str:
    return ", ".join(f"'{name}'" for name in names)
