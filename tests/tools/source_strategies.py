"""Hypothesis strategies that write custom tool sources and know the schema each must derive.

A generated tool has random parameter names, annotations (from the whole annotation table,
pydantic models of the source included), defaults, docstring styles and descriptions; its
`expected_schema()` is worked out here independently of the code under test.
"""

import keyword
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from lettalite.tools.source_schema import SKIPPED_PARAMETERS

IMPORTS = (
    "import typing\n"
    "from typing import Annotated, Any, Dict, List, Literal, Optional, Union\n\n"
    "from pydantic import BaseModel, Field\n"
)
DEFAULT_VALUES = ["None", "0", "'x'", "[]", "{}", "1.5", "True", "-3"]


@dataclass(frozen=True)
class TypeChoice:
    """An annotation as written, the schema it must give, and whether it admits None."""

    text: str
    schema: dict[str, Any]
    optional: bool = False
    # Whether pydantic's model_json_schema() says the same (after $ref inlining).
    pydantic_agrees: bool = True


@dataclass(frozen=True)
class ModelField:
    name: str
    type: TypeChoice
    description: str
    default: str  # how the field is written: see FIELD_FORMS

    @property
    def required(self) -> bool:
        return self.default in ("none", "ellipsis", "annotated") and not self.type.optional

    def render(self) -> str:
        description = repr(self.description)
        value = FIELD_FORMS[self.default].format(description=description)
        if self.default == "annotated":
            return f"    {self.name}: Annotated[{self.type.text}, {value}]"
        return f"    {self.name}: {self.type.text} = {value}"


FIELD_FORMS = {
    "none": "Field(description={description})",
    "ellipsis": "Field(..., description={description})",
    "value": "Field(0, description={description})",
    "default_keyword": "Field(default=None, description={description})",
    "factory": "Field(default_factory=list, description={description})",
    "annotated": "Field(description={description})",
}


@dataclass(frozen=True)
class Model:
    name: str
    fields: list[ModelField]

    def render(self) -> str:
        return f"class {self.name}(BaseModel):\n" + "\n".join(f.render() for f in self.fields)

    def schema(self) -> dict[str, Any]:
        properties = {f.name: {**f.type.schema, "description": f.description} for f in self.fields}
        required = [f.name for f in self.fields if f.required]
        return {"type": "object", "properties": properties, "required": required}


@dataclass(frozen=True)
class Parameter:
    name: str
    type: TypeChoice
    description: str
    default: str | None  # Python text of the default value, or None for no default
    keyword_only: bool
    type_in_docstring: bool

    def render(self) -> str:
        default = "" if self.default is None else f" = {self.default}"
        return f"{self.name}: {self.type.text}{default}"


@dataclass(frozen=True)
class GeneratedTool:
    name: str
    parameters: list[Parameter]
    models: list[Model]
    summary: str
    long_description: str
    style: str  # "google", "rest" or "numpy"
    examples: bool
    is_async: bool
    helper_first: bool
    agent_state: str  # "", "first" or "keyword": where an injected agent_state goes
    imports_in_body: bool = field(default=False)

    @property
    def source(self) -> str:
        parts = [IMPORTS, *(model.render() for model in self.models)]
        if self.helper_first:
            parts.append("def _helper(value):\n    return value")
        parts.append(self._function())
        return "\n\n\n".join(parts) + "\n"

    def expected_schema(self) -> dict[str, Any]:
        description = self.summary
        if self.long_description:
            description += "\n\n" + self.long_description
        if self.examples and self.style == "google":
            description += f"\n\nExamples:\n>>> {self.name}()"
        ordered = self._signature_order()
        return {
            "name": self.name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {
                    p.name: {**p.type.schema, "description": p.description} for p in ordered
                },
                "required": [p.name for p in ordered if p.default is None and not p.type.optional],
            },
        }

    def _signature_order(self) -> list[Parameter]:
        positional = [p for p in self.parameters if not p.keyword_only]
        return [
            *(p for p in positional if p.default is None),
            *(p for p in positional if p.default is not None),
            *(p for p in self.parameters if p.keyword_only),
        ]

    def _function(self) -> str:
        ordered = self._signature_order()
        positional = [p.render() for p in ordered if not p.keyword_only]
        keyword_only = [p.render() for p in ordered if p.keyword_only]
        if self.agent_state == "first":
            positional.insert(0, 'agent_state: "AgentState"')
        elif self.agent_state == "keyword":
            keyword_only.append('agent_state: "AgentState"')
        signature = ", ".join([*positional, *(["*", *keyword_only] if keyword_only else [])])
        body = "    import json\n\n    return json.dumps(None)" if self.imports_in_body else ""
        prefix = "async def" if self.is_async else "def"
        docstring = _indented(self._docstring())
        return f'{prefix} {self.name}({signature}) -> str:\n    """{docstring}\n    """\n{body}'

    def _docstring(self) -> str:
        lines = [self.summary, ""]
        if self.long_description:
            lines += [self.long_description, ""]
        lines += DOCSTRING_STYLES[self.style](self.parameters)
        if self.examples and self.style == "google":
            lines += ["", "Examples:", f"    >>> {self.name}()"]
        return "\n".join(lines)


def _type_word(parameter: Parameter) -> str:
    """A plain word for the type in a docstring (an annotation's text may hold any string)."""
    return parameter.type.schema.get("type", "any")


def _google(parameters: list[Parameter]) -> list[str]:
    entries = [
        f"    {p.name} ({_type_word(p)}): {p.description}"
        if p.type_in_docstring
        else f"    {p.name}: {p.description}"
        for p in parameters
    ]
    return [*(["Args:", *entries, ""] if entries else []), "Returns:", "    str: A summary."]


def _rest(parameters: list[Parameter]) -> list[str]:
    return [*(f":param {p.name}: {p.description}" for p in parameters), ":returns: A summary."]


def _numpy(parameters: list[Parameter]) -> list[str]:
    entries = [
        line
        for p in parameters
        for line in (
            f"{p.name} : {_type_word(p)}" if p.type_in_docstring else p.name,
            "    " + p.description,
        )
    ]
    heading = ["Parameters", "----------", *entries, ""] if entries else []
    return [*heading, "Returns", "-------", "str", "    A summary."]


DOCSTRING_STYLES = {"google": _google, "rest": _rest, "numpy": _numpy}


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.split("\n")).lstrip()


# --- strategies ------------------------------------------------------------------------------

identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and name not in SKIPPED_PARAMETERS
)
# Not `model_...` (pydantic's namespace) nor a BaseModel attribute such as `json` or `copy`:
# the pydantic cross-check makes models of parameters and fields.
field_names = identifiers.filter(
    lambda name: not name.startswith("model_") and not hasattr(BaseModel, name)
)
# Words a docstring keeps as they are: no colons (section headers, reST fields) or backslashes.
words = st.text(
    alphabet=st.one_of(st.characters(categories=("L", "N")), st.sampled_from(".,;!?-'()")),
    min_size=1,
    max_size=8,
)
sentences = st.lists(words, min_size=1, max_size=6).map(" ".join)
# Field descriptions are Python string literals (repr), so any non-blank text round-trips.
any_descriptions = st.text(min_size=1, max_size=30).filter(str.strip)

SCALARS = [
    TypeChoice("str", {"type": "string"}),
    TypeChoice("int", {"type": "integer"}),
    TypeChoice("float", {"type": "number"}),
    TypeChoice("bool", {"type": "boolean"}),
    TypeChoice("Any", {}),
    TypeChoice("list", {"type": "array", "items": {"type": "string"}}, pydantic_agrees=False),
    TypeChoice("List", {"type": "array", "items": {"type": "string"}}, pydantic_agrees=False),
    TypeChoice("dict", {"type": "object"}, pydantic_agrees=False),
    TypeChoice("Dict[str, int]", {"type": "object"}, pydantic_agrees=False),
    TypeChoice("typing.Dict", {"type": "object"}, pydantic_agrees=False),
]


def _literal(values: list[Any], json_type: str) -> TypeChoice:
    text = "Literal[" + ", ".join(repr(value) for value in values) + "]"
    return TypeChoice(text, {"type": json_type, "enum": values})


literals = st.one_of(
    st.lists(st.text(max_size=6), min_size=2, max_size=4, unique=True).map(
        lambda values: _literal(values, "string")
    ),
    st.lists(st.integers(-100, 100), min_size=2, max_size=4, unique=True).map(
        lambda values: _literal(values, "integer")
    ),
)


def value_types(models: list[Model], pydantic_compatible: bool) -> st.SearchStrategy[TypeChoice]:
    """Annotations that do not admit None, over the given models of the source."""
    scalars = [c for c in SCALARS if c.pydantic_agrees or not pydantic_compatible]
    model_choices = [TypeChoice(model.name, model.schema()) for model in models]
    # The source's models on a par with all scalars together, so that nesting is common.
    models_if_any = [st.sampled_from(model_choices)] if model_choices else []
    base = st.one_of(st.sampled_from(scalars), literals, *models_if_any)

    def lists_of(items: st.SearchStrategy[TypeChoice]) -> st.SearchStrategy[TypeChoice]:
        return st.builds(
            lambda item, form: TypeChoice(
                form.format(item.text),
                {"type": "array", "items": item.schema},
                pydantic_agrees=item.pydantic_agrees,
            ),
            items,
            st.sampled_from(["list[{}]", "List[{}]", "typing.List[{}]"]),
        )

    return st.recursive(base, lists_of, max_leaves=3)


OPTIONAL_FORMS = [
    "Optional[{}]",
    "{} | None",
    "None | {}",
    "Union[{}, None]",
    "typing.Optional[{}]",
]


def field_types(models: list[Model], pydantic_compatible: bool) -> st.SearchStrategy[TypeChoice]:
    """Annotations of a whole parameter or field: maybe optional, maybe in Annotated[...]."""

    def optional(choice: TypeChoice, form: str) -> TypeChoice:
        return TypeChoice(form.format(choice.text), choice.schema, True, choice.pydantic_agrees)

    def annotated(choice: TypeChoice) -> TypeChoice:
        return TypeChoice(f"Annotated[{choice.text}, 'a note']", **_rest_of(choice))

    values = value_types(models, pydantic_compatible)
    return st.one_of(
        values,
        st.builds(optional, values, st.sampled_from(OPTIONAL_FORMS)),
        values.map(annotated),
    )


def _rest_of(choice: TypeChoice) -> dict[str, Any]:
    return {
        "schema": choice.schema,
        "optional": choice.optional,
        "pydantic_agrees": choice.pydantic_agrees,
    }


@st.composite
def source_models(draw: st.DrawFn, pydantic_compatible: bool) -> list[Model]:
    """Zero to two models; a later one may use the earlier ones."""
    models: list[Model] = []
    for index in range(draw(st.integers(0, 2))):
        fields = []
        for name in draw(st.lists(field_names, min_size=1, max_size=3, unique=True)):
            choice = draw(field_types(models, pydantic_compatible))
            form = draw(st.sampled_from(list(FIELD_FORMS)))
            if pydantic_compatible and choice.optional:
                form = "default_keyword"  # pydantic requires an optional field without a default
            fields.append(ModelField(name, choice, draw(any_descriptions), form))
        models.append(Model(f"Model{index}", fields))
    return models


@st.composite
def tools(draw: st.DrawFn, *, pydantic_compatible: bool = False) -> GeneratedTool:
    """A tool source; `pydantic_compatible` keeps to what pydantic's schemas agree with and
    gives every optional parameter a default (pydantic requires an optional without one)."""
    models = draw(source_models(pydantic_compatible))
    parameters = []
    for name in draw(st.lists(field_names, max_size=6, unique=True)):
        choice = draw(field_types(models, pydantic_compatible))
        default = draw(st.none() | st.sampled_from(DEFAULT_VALUES))
        if pydantic_compatible and choice.optional:
            default = "None"
        keyword_only, type_in_docstring = draw(st.booleans()), draw(st.booleans())
        parameters.append(
            Parameter(name, choice, draw(sentences), default, keyword_only, type_in_docstring)
        )
    return GeneratedTool(
        name=draw(identifiers),
        parameters=parameters,
        models=models,
        summary=draw(sentences),
        long_description=draw(st.sampled_from(["", "It does what it says."]) | sentences),
        style=draw(st.sampled_from(list(DOCSTRING_STYLES))),
        examples=draw(st.booleans()),
        is_async=draw(st.booleans()),
        helper_first=draw(st.booleans()),
        agent_state=draw(st.sampled_from(["", "first", "keyword"])),
        imports_in_body=draw(st.booleans()),
    )
