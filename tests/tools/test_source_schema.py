"""Custom tool schemas: from Python source, from a pydantic args schema, as clients give them."""

import json
from enum import StrEnum
from typing import Any, Literal, Optional

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field

from lettalite.tools.source_schema import (
    SchemaError,
    check_json_schema,
    derive_json_schema,
    schema_from_args_json_schema,
    tool_function_name,
)
from tests.tools.tool_sources import BAD_SOURCES, GOOD_SOURCES, BadSource, GoodSource


@pytest.mark.parametrize("case", GOOD_SOURCES.values(), ids=GOOD_SOURCES.keys())
def test_a_good_source_derives_its_exact_schema(case: GoodSource) -> None:
    schema = derive_json_schema(case.source)
    assert schema == case.schema
    assert tool_function_name(case.source) == schema["name"]
    # It is a valid JSON schema, survives JSON, and a client may send it back as it is.
    Draft202012Validator.check_schema(schema["parameters"])
    assert json.loads(json.dumps(schema)) == schema
    assert check_json_schema(schema) == schema


@pytest.mark.parametrize("case", BAD_SOURCES.values(), ids=BAD_SOURCES.keys())
def test_a_bad_source_says_what_is_wrong(case: BadSource) -> None:
    with pytest.raises(SchemaError) as raised:
        derive_json_schema(case.source)
    assert case.message in str(raised.value)


def test_the_corpus_is_large_enough_to_mean_something() -> None:
    assert len(GOOD_SOURCES) >= 25
    assert len(BAD_SOURCES) >= 15


TWO_TOP_LEVEL_FUNCTIONS = '''
def first() -> str:
    """The first."""


async def second() -> str:
    """The second, async."""
'''


def test_the_tool_is_the_last_function_and_may_be_async() -> None:
    assert tool_function_name(TWO_TOP_LEVEL_FUNCTIONS) == "second"
    assert derive_json_schema(TWO_TOP_LEVEL_FUNCTIONS)["description"] == "The second, async."


def test_the_tool_is_the_last_top_level_function_not_a_nested_one() -> None:
    # Letta takes the last def in ast.walk order, which would be `inner` here.
    source = '''
def outer(x: int) -> int:
    """Outer."""

    def inner() -> int:
        """Inner."""
        return x

    return inner()


def later() -> None:
    """A later top-level function."""
'''
    assert tool_function_name(source) == "later"
    assert tool_function_name(source.split("def later")[0]) == "outer"


def test_the_function_name_needs_no_docstring_or_annotations() -> None:
    assert tool_function_name("def helper(a, *b, **c):\n    pass\n") == "helper"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def f(:\n", "Source code does not parse: line 1: "),
        ("x = 1\n\n\n  y = 2\n", "Source code does not parse: line 4: unexpected indent"),
        ("class Only:\n    x: int = 1\n", "No functions found in source code"),
    ],
)
def test_tool_function_name_fails_like_derivation(source: str, message: str) -> None:
    with pytest.raises(SchemaError, match="^" + message.replace("(", r"\(")):
        tool_function_name(source)


def test_a_cycle_of_model_bases_does_not_hang_the_deriver() -> None:
    # Such a source would not even run (NameError), but reading it must still end.
    source = '''
from pydantic import BaseModel, Field


class First(Second, BaseModel):
    a: int = Field(description="A.")


class Second(First):
    b: int = Field(description="B.")


def use(value: Second) -> str:
    """Use it.

    Args:
        value: The value.
    """
'''
    value = derive_json_schema(source)["parameters"]["properties"]["value"]
    assert value["properties"] == {
        "a": {"type": "integer", "description": "A."},
        "b": {"type": "integer", "description": "B."},
    }


# --- the args_json_schema path: real pydantic models -------------------------------------


class Coordinates(BaseModel):
    lat: float = Field(description="Latitude in degrees.")
    lon: float = Field(description="Longitude in degrees.")


class Stop(BaseModel):
    name: str = Field(description="Name of the stop.")
    at: Coordinates = Field(description="Where it is.")
    kind: Literal["bus", "train"] = Field("bus", description="What stops there.")


class LineColor(StrEnum):
    RED = "red"
    GREEN = "green"


class RouteArgs(BaseModel):
    stops: list[Stop] = Field(description="Stops in order.")
    color: LineColor = Field(description="Color of the line on the map.")
    note: Optional[str] = Field(None, description="A note for the drivers.")  # noqa: UP045
    depot: Coordinates | None = None
    start: Coordinates


COORDINATES = {
    "type": "object",
    "properties": {
        "lat": {"type": "number", "description": "Latitude in degrees."},
        "lon": {"type": "number", "description": "Longitude in degrees."},
    },
    "required": ["lat", "lon"],
}

ROUTE_TOOL = '''
def plan_route(stops, color, note=None, depot=None, start=None):
    """Plan a bus route.

    Args:
        stops: Described by the args schema instead.
    """
    return "planned"
'''


def test_a_nested_pydantic_model_gives_inlined_properties() -> None:
    schema = schema_from_args_json_schema(ROUTE_TOOL, RouteArgs.model_json_schema())
    assert schema == {
        "name": "plan_route",
        # The raw docstring, Args section and all: Letta does not parse it on this path.
        "description": "Plan a bus route.\n\nArgs:\n"
        "    stops: Described by the args schema instead.",
        "parameters": {
            "type": "object",
            "properties": {
                "stops": {
                    "type": "array",
                    "description": "Stops in order.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string", "description": "Name of the stop."},
                            "at": {**COORDINATES, "description": "Where it is."},
                            "kind": {
                                "type": "string",
                                "enum": ["bus", "train"],
                                "description": "What stops there.",
                            },
                        },
                        "required": ["name", "at"],
                    },
                },
                "color": {
                    "type": "string",
                    "enum": ["red", "green"],
                    "description": "Color of the line on the map.",
                },
                "note": {"type": "string", "description": "A note for the drivers."},
                "depot": COORDINATES,
                "start": COORDINATES,
            },
            "required": ["stops", "color", "start"],
        },
    }
    Draft202012Validator.check_schema(schema["parameters"])
    assert "$ref" not in json.dumps(schema)


def test_without_a_docstring_the_description_names_the_tool() -> None:
    schema = schema_from_args_json_schema("def ping():\n    return 1\n", {"type": "object"})
    assert schema == {
        "name": "ping",
        "description": "The ping tool",
        "parameters": {"type": "object", "properties": {}, "required": []},
    }


class Flat(BaseModel):
    """A model whose property names look like JSON schema keywords."""

    title: str = Field(description="A title.")
    default: int = Field(3, description="A default.")


def test_properties_named_like_keywords_are_kept() -> None:
    parameters = schema_from_args_json_schema("def f():\n    pass\n", Flat.model_json_schema())[
        "parameters"
    ]
    assert parameters == {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "A title."},
            "default": {"type": "integer", "description": "A default."},
        },
        "required": ["title"],
    }


class TreeNode(BaseModel):
    name: str
    children: list["TreeNode"] = []


@pytest.mark.parametrize(
    ("args_json_schema", "message"),
    [
        ([], "args_json_schema must be a JSON object, not an array"),
        ({"type": "array", "items": {}}, 'must be an object schema ("type": "object"), not'),
        ({"type": "object", "properties": []}, "args_json_schema.properties must be a JSON object"),
        ({"properties": {"a": 1}}, "args_json_schema.properties.a must be a JSON object"),
        ({"properties": {}, "required": "a"}, "required must be a list of property names"),
        ({"properties": {}, "required": ["a"]}, "required names 'a', which is not a property"),
        (
            {"properties": {"a": {"$ref": "#/$defs/Missing"}}},
            "args_json_schema has a $ref that does not resolve: '#/$defs/Missing'",
        ),
        (
            {"properties": {"a": {"$ref": "https://example.com/a.json"}}},
            "has a $ref that does not resolve",
        ),
        (
            {"properties": {"a": {"$ref": "#/properties"}}},
            "args_json_schema refers to itself through '#/properties'",
        ),
        (TreeNode.model_json_schema(), "refers to itself through '#/$defs/TreeNode'"),
    ],
)
def test_a_malformed_args_json_schema_says_what_is_wrong(
    args_json_schema: Any, message: str
) -> None:
    with pytest.raises(SchemaError) as raised:
        schema_from_args_json_schema("def f():\n    pass\n", args_json_schema)
    assert message in str(raised.value)


def test_exponentially_many_refs_are_refused() -> None:
    definitions = {
        f"L{level}": {
            "type": "object",
            "properties": {side: {"$ref": f"#/$defs/L{level + 1}"} for side in ("a", "b")},
        }
        for level in range(30)
    }
    definitions["L30"] = {"type": "string"}
    args = {"$defs": definitions, "properties": {"root": {"$ref": "#/$defs/L0"}}}
    with pytest.raises(SchemaError, match="expands to more than 1000"):
        schema_from_args_json_schema("def f():\n    pass\n", args)


# --- a client's json_schema -----------------------------------------------------------------


def test_a_minimal_json_schema_gets_empty_parameters() -> None:
    assert check_json_schema({"name": "lookup-v2"}) == {
        "name": "lookup-v2",
        "parameters": {"type": "object", "properties": {}, "required": []},
    }


def test_a_json_schema_keeps_what_the_client_wrote() -> None:
    given = {
        "name": "search",
        "description": "Search.",
        "parameters": {
            "type": "object",
            "properties": {"q": {"type": "string", "minLength": 1}},
            "additionalProperties": False,
        },
        "strict": True,
    }
    assert check_json_schema(given) == {
        **given,
        "parameters": {**given["parameters"], "required": []},
    }


@pytest.mark.parametrize(
    ("json_schema", "message"),
    [
        ("search", "json_schema must be a JSON object, not a string"),
        ({"description": "No name."}, "json_schema needs a 'name' string"),
        ({"name": 7}, "json_schema needs a 'name' string"),
        ({"name": "has space"}, "Tool name 'has space' must be 1 to 64 ASCII letters"),
        ({"name": "n" * 65}, "must be 1 to 64 ASCII letters"),
        ({"name": ""}, "must be 1 to 64 ASCII letters"),
        ({"name": "f", "description": ["x"]}, "json_schema.description must be a string"),
        ({"name": "f", "parameters": {"type": "string"}}, "json_schema.parameters must be an obj"),
        ({"name": "f", "parameters": None}, "parameters must be a JSON object, not null"),
        (
            {"name": "f", "parameters": {"properties": {"a": {}}, "required": ["b"]}},
            "json_schema.parameters.required names 'b', which is not a property",
        ),
    ],
)
def test_a_bad_json_schema_says_what_is_wrong(json_schema: Any, message: str) -> None:
    with pytest.raises(SchemaError) as raised:
        check_json_schema(json_schema)
    assert message in str(raised.value)


def test_a_64_character_name_is_the_longest_accepted() -> None:
    assert check_json_schema({"name": "n" * 64})["name"] == "n" * 64
