"""Properties of schema derivation over generated tool sources and over mangled, random input."""

import inspect
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import Field, create_model

from lettalite.tools.source_schema import (
    SKIPPED_PARAMETERS,
    SchemaError,
    check_json_schema,
    derive_json_schema,
    schema_from_args_json_schema,
    tool_function_name,
)
from tests.tools.source_strategies import GeneratedTool, tools

# No example database: the tests must not write files outside their own folder.
PROPERTY_SETTINGS = settings(
    database=None, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(tool=tools())
def test_a_generated_tool_derives_exactly_its_schema(tool: GeneratedTool) -> None:
    schema = derive_json_schema(tool.source)
    schema_parameters = schema["parameters"]
    expected = tool.expected_schema()
    assert schema["name"] == tool_function_name(tool.source) == tool.name
    assert list(schema_parameters["properties"]) == list(expected["parameters"]["properties"])
    assert schema_parameters["required"] == expected["parameters"]["required"]
    for name, parameter in expected["parameters"]["properties"].items():
        assert schema_parameters["properties"][name] == parameter, name
    assert schema["description"] == expected["description"]
    assert schema == expected
    Draft202012Validator.check_schema(schema_parameters)


@PROPERTY_SETTINGS
@given(tool=tools(pydantic_compatible=True))
def test_pydantic_gives_the_same_parameters_for_the_same_signature(tool: GeneratedTool) -> None:
    """Our static type table against pydantic's own schema of the real, executed signature."""
    namespace: dict[str, Any] = {}
    exec(compile(tool.source, "<generated tool>", "exec"), namespace)
    descriptions = {parameter.name: parameter.description for parameter in tool.parameters}
    fields: dict[str, Any] = {}
    for parameter in inspect.signature(namespace[tool.name]).parameters.values():
        if parameter.name not in SKIPPED_PARAMETERS:
            default = ... if parameter.default is parameter.empty else parameter.default
            field = Field(default, description=descriptions[parameter.name])
            fields[parameter.name] = (parameter.annotation, field)
    arguments_model = create_model("Arguments", **fields)
    from_pydantic = schema_from_args_json_schema(tool.source, arguments_model.model_json_schema())
    derived = derive_json_schema(tool.source)["parameters"]
    assert _comparable(from_pydantic["parameters"]) == _comparable(derived)


def _comparable(schema: Any) -> Any:
    """Without two differences that do not matter: pydantic leaves out an empty `required`, and
    typing's Literal cache (equal whatever the order) may give it an earlier Literal's order."""
    if isinstance(schema, list):
        return [_comparable(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    comparable = {key: _comparable(value) for key, value in schema.items()}
    if "properties" in schema:
        comparable.setdefault("required", [])
    if "enum" in schema:
        comparable["enum"] = sorted(schema["enum"])
    return comparable


# --- total functions: a schema or a SchemaError, never anything else ---------------------------

MANGLE_PIECES = [
    *"()[]:,|*=-'\\\n\t\x00",
    "**",
    '"""',
    "    ",
    "None",
    "Optional[",
    "List[",
    "Literal[",
    "Annotated[",
    "BaseModel",
    "Field(",
    "def ",
    "async ",
    "class ",
    "lambda",
    "agent_state",
    "typing.",
    "\ud800",
    "1e999",
]


@st.composite
def mangled_sources(draw: st.DrawFn) -> str:
    source = draw(tools()).source
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(source)))
        end = draw(st.integers(start, min(len(source), start + 20)))
        piece = draw(st.sampled_from(["", *MANGLE_PIECES]) | st.text(max_size=5))
        source = source[:start] + piece + source[end:]
    return source


def _derived_or_refused(source: str) -> dict[str, Any] | SchemaError:
    """The schema, checked to be valid JSON Schema, or the SchemaError (any other error fails)."""
    try:
        schema = derive_json_schema(source)
    except SchemaError as error:
        assert str(error)
        return error
    Draft202012Validator.check_schema(schema["parameters"])
    assert json.loads(json.dumps(schema)) == schema
    return schema


@PROPERTY_SETTINGS
@given(source=st.text(max_size=300))
def test_any_text_gives_a_schema_or_a_schema_error(source: str) -> None:
    outcome = _derived_or_refused(source)
    if isinstance(outcome, SchemaError):
        return
    assert outcome["name"] == tool_function_name(source)


@settings(PROPERTY_SETTINGS, max_examples=300)
@given(source=mangled_sources())
def test_a_mangled_source_gives_a_schema_or_a_schema_error(source: str) -> None:
    _derived_or_refused(source)


# Lines shaped like reST/epydoc fields (":param x: ...", ": :") and section headers and
# underlines of the Google and numpy styles, in any order.
docstring_lines = st.one_of(
    st.from_regex(r"[ ]{0,4}[:@]?[a-z ]{0,5}(:[a-z ]{0,5}){0,2}", fullmatch=True),
    st.sampled_from(["Args:", "Returns:", "Examples:", "Parameters", "----------", "    x: y"]),
    st.sampled_from(["x (int): y", "x : int", ">>> f()", "Raises:", "    ValueError: z", ""]),
    st.text(max_size=6),
)
docstrings = st.lists(docstring_lines, max_size=8).map("\n".join)


@settings(PROPERTY_SETTINGS, max_examples=400)
@given(docstring=docstrings)
def test_any_docstring_gives_a_schema_or_a_schema_error(docstring: str) -> None:
    source = f"def f(x: int) -> str:\n    {docstring!r}\n"
    outcome = _derived_or_refused(source)
    if not isinstance(outcome, SchemaError):
        assert outcome["parameters"]["required"] == ["x"]


ATOMS = [
    *("str", "int", "float", "bool", "list", "dict", "List", "Dict", "Optional", "Union"),
    *("Literal", "Tuple", "Callable", "Any", "None", "typing", "t", "Model0", "Model1"),
    *("Annotated", "ClassVar", "Set", "object", "Path", "BaseModel", "Field", "x", "'Model0'"),
    *("1", "-2.5", "'a'", "True", "...", "0x10", "1e999", "b'x'"),
]
annotations = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.builds(
            lambda head, args: f"{head}[{', '.join(args)}]", inner, st.lists(inner, max_size=3)
        ),
        st.builds(lambda left, right: f"{left} | {right}", inner, inner),
        st.builds(
            lambda owner, name: f"{owner}.{name}",
            inner,
            st.sampled_from([atom for atom in ATOMS if atom.isidentifier()]),
        ),
        inner.map(lambda text: f"[{text}]"),
        inner.map(repr),
    ),
    max_leaves=8,
)

PROBE = '''
import typing
import typing as t
from pathlib import Path

from pydantic import BaseModel, Field


class Model0({base0}):
    value: {field} = Field(description="A value.")


class Model1({base1}):
    other: {other_field} = Field(description="Another value.")


def probe(x: {parameter}) -> str:
    """Probe an annotation.

    Args:
        x: The value.
    """
'''


bases = st.sampled_from(["BaseModel", "Model0", "Model1", "Model1, BaseModel", "object", ""])
MODELS = ("Model0", "Model1")
# Often a model itself, so that the models' fields and bases are read.
parameter_annotations = st.sampled_from(MODELS) | annotations


@settings(PROPERTY_SETTINGS, max_examples=400)
@given(
    parameter=parameter_annotations,
    field=annotations,
    other_field=annotations,
    base0=bases,
    base1=bases,
)
def test_any_annotation_gives_a_schema_or_an_error_naming_where(
    parameter: str, field: str, other_field: str, base0: str, base1: str
) -> None:
    source = PROBE.format(
        parameter=parameter, field=field, other_field=other_field, base0=base0, base1=base1
    )
    outcome = _derived_or_refused(source)
    if isinstance(outcome, SchemaError):
        assert str(outcome).startswith(
            (
                "Source code does not parse",
                "Parameter 'x' in function 'probe' has type",
                # A model inherits its base's fields: either may hold either field.
                *(
                    f"Field '{f}' of model '{m}' has type"
                    for f in ("value", "other")
                    for m in MODELS
                ),
            )
        ), str(outcome)
    else:
        assert outcome["parameters"]["properties"]["x"]["description"] == "The value."


SCHEMA_WORDS = ["type", "properties", "required", "$ref", "$defs", "anyOf", "items", "enum"]
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["object", "null", "string", "#", "#/$defs/a", "#/properties", "#/$defs/a/b"]),
    st.text(max_size=4),
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from([*SCHEMA_WORDS, "name", "description", "parameters", "a", "b", "title"])
            | st.text(max_size=3),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


def _schema_refs(node: Any) -> list[str]:
    """The $refs left in a schema, not counting JSON data (enum and const values)."""
    if isinstance(node, list):
        return [ref for item in node for ref in _schema_refs(item)]
    if not isinstance(node, dict):
        return []
    own = [node["$ref"]] if "$ref" in node else []
    rest = (value for key, value in node.items() if key not in ("enum", "const", "examples"))
    return own + [ref for value in rest for ref in _schema_refs(value)]


@settings(PROPERTY_SETTINGS, max_examples=400)
@given(args_json_schema=json_values)
def test_any_args_json_schema_gives_parameters_or_a_schema_error(args_json_schema: Any) -> None:
    try:
        schema = schema_from_args_json_schema("def f():\n    pass\n", args_json_schema)
    except SchemaError as error:
        assert str(error).startswith("args_json_schema")
        return
    parameters = schema["parameters"]
    assert set(parameters) == {"type", "properties", "required"}
    assert set(parameters["required"]) <= set(parameters["properties"])
    assert _schema_refs(parameters) == []
    json.dumps(schema)


@settings(PROPERTY_SETTINGS, max_examples=400)
@given(json_schema=json_values)
def test_any_json_schema_is_checked_or_refused(json_schema: Any) -> None:
    try:
        checked = check_json_schema(json_schema)
    except SchemaError as error:
        assert str(error).startswith(("json_schema", "Tool name"))
        return
    assert checked["name"] == json_schema["name"]
    assert checked["parameters"]["type"] == "object"
    assert set(checked["parameters"]["required"]) <= set(checked["parameters"]["properties"])
    assert check_json_schema(checked) == checked
