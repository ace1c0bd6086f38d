"""Letta's tool rules and response formats on the wire, one model per `type`.

Rules are stored as sent (`model_dump`) and returned as stored; agent/tool_rules.py reads them
back through `TOOL_RULES` to decide which tools a model may call.
"""

from typing import Annotated, Any, Literal, Self

from pydantic import Field, TypeAdapter, model_validator

from lettalite.schemas.common import MAX_ITEMS, RequestModel

ToolName = Annotated[str, Field(min_length=1, max_length=255)]
ToolNames = Annotated[list[ToolName], Field(max_length=MAX_ITEMS)]


class ToolRuleBase(RequestModel):
    tool_name: ToolName
    # Letta ignores it too: its rules render fixed texts.
    prompt_template: str | None = None


class InitToolRule(ToolRuleBase):
    """Before any call in a request, only `run_first` tools are offered and one must be called."""

    type: Literal["run_first"]
    # Arguments that override the model's own of the same name.
    args: dict[str, Any] | None = None


class TerminalToolRule(ToolRuleBase):
    """Calling the tool ends the turn (stop reason `tool_rule`)."""

    type: Literal["exit_loop"]


class ContinueToolRule(ToolRuleBase):
    """The loop continues after the tool, as it does after every call in this loop."""

    type: Literal["continue_loop"]


class ToolCallNode(RequestModel):
    name: ToolName
    args: dict[str, Any] | None = None


class ChildToolRule(ToolRuleBase):
    """Right after the tool, only `children` may be called, and one must be."""

    type: Literal["constrain_child_tools"]
    children: ToolNames
    child_arg_nodes: list[ToolCallNode] | None = Field(None, max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _nodes_name_children(self) -> Self:
        strangers = [n.name for n in self.child_arg_nodes or () if n.name not in self.children]
        if strangers:
            raise ValueError(f"child_arg_nodes name tools that are not children: {strangers}")
        return self


class ConditionalToolRule(ToolRuleBase):
    """Right after the tool, its returned message picks the next tool from the mapping."""

    type: Literal["conditional"]
    child_output_mapping: dict[str, ToolName] = Field(min_length=1, max_length=MAX_ITEMS)
    default_child: ToolName | None = None
    require_output_mapping: bool = False


class ParentToolRule(ToolRuleBase):
    """`children` may be called only right after the tool (and then only they)."""

    type: Literal["parent_last_tool"]
    children: ToolNames


class MaxCountPerStepToolRule(ToolRuleBase):
    """The tool may be called at most `max_count_limit` times per request."""

    type: Literal["max_count_per_step"]
    max_count_limit: int = Field(ge=1)


class RequiredBeforeExitToolRule(ToolRuleBase):
    """The turn does not end on an answer before the tool was called."""

    type: Literal["required_before_exit"]


class RequiresApprovalToolRule(ToolRuleBase):
    """A call waits for the client's approval before it runs."""

    type: Literal["requires_approval"]


ToolRule = Annotated[
    InitToolRule
    | TerminalToolRule
    | ContinueToolRule
    | ChildToolRule
    | ConditionalToolRule
    | ParentToolRule
    | MaxCountPerStepToolRule
    | RequiredBeforeExitToolRule
    | RequiresApprovalToolRule,
    Field(discriminator="type"),
]
TOOL_RULES: TypeAdapter[list[ToolRule]] = TypeAdapter(list[ToolRule])


class TextResponseFormat(RequestModel):
    type: Literal["text"]


class JsonObjectResponseFormat(RequestModel):
    type: Literal["json_object"]


class JsonSchemaResponseFormat(RequestModel):
    type: Literal["json_schema"]
    # Passed to the provider as given (OpenAI's {name, schema, strict, ...}).
    json_schema: dict[str, Any]


ResponseFormat = Annotated[
    TextResponseFormat | JsonObjectResponseFormat | JsonSchemaResponseFormat,
    Field(discriminator="type"),
]
