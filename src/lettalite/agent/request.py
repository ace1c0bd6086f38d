"""The model request for a step: the conversation's context as the provider reads it, the
tools the rules allow now, and how close the context is to its window."""

from dataclasses import dataclass
from typing import Any

from lettalite.agent.approvals import PENDING_APPROVAL, TurnRefused
from lettalite.agent.compaction import latest_token_scale
from lettalite.agent.context import assemble, shown
from lettalite.agent.conversation import load_conversation
from lettalite.agent.memory import recompile_system_prompt
from lettalite.agent.tokens import estimate_message, estimate_tools
from lettalite.agent.tool_rules import CallHistory, StepRules, ToolRules
from lettalite.agent.toolbox import Toolbox, ToolKinds, build_toolbox
from lettalite.agent.turn import Turn
from lettalite.agent.window_cache import WINDOWS
from lettalite.db.models import AgentRow, MessageRow
from lettalite.db.session import Database
from lettalite.llm.catalog import accepts_images, is_reasoning_model
from lettalite.llm.types import ChatMessage, ChatRequest


@dataclass(frozen=True)
class StepRequest:
    """The model request for a step, its tools, what the tool rules say about this call, the
    context window, how many real tokens one estimated token has turned out to be, and the
    request's estimated tokens."""

    request: ChatRequest
    toolbox: Toolbox
    rules: StepRules
    window: int
    scale: float
    estimate: int


async def build_request(
    database: Database,
    tool_kinds: ToolKinds,
    turn: Turn,
    inputs: list[MessageRow],
    calls: CallHistory,
) -> StepRequest:
    """The model request for the conversation's current context (each stored message as the
    process-wide cache renders it)."""
    async with database.session() as session:
        conversation = await load_conversation(session, turn.where)
        window = conversation.window
        if window.pending_approval_message_id is not None:
            raise TurnRefused(
                "pending_approval", PENDING_APPROVAL, window.pending_approval_message_id
            )
        if getattr(window, "prompt_stale", False):
            await recompile_system_prompt(session, conversation)
        images = accepts_images(turn.model)
        history = await WINDOWS.read(session, turn.agent_id, window, images=images)
        scale = await latest_token_scale(session, turn.agent_id)
    agent = conversation.agent
    toolbox = build_toolbox(conversation, tool_kinds, turn.client_tools)
    rules = ToolRules.of(agent.tool_rules).step(list(toolbox.tools), calls)
    messages, tokens = assemble([*history.shown, *(shown(row, images=images) for row in inputs)])
    system = _system_message(messages[0], turn)
    tokens += estimate_message(system) - estimate_message(messages[0])
    messages[0] = system
    request = ChatRequest(
        model=turn.model.model,
        messages=messages,
        tools=[d for d in toolbox.definitions() if d.name in rules.permitted],
        tool_choice=rules.tool_choice(),
        response_format=agent.response_format,
        context_window=agent.context_window,
        **model_settings_fields(agent, conversation.window.model_settings, turn),
    )
    estimate = tokens + estimate_tools(request.tools)
    return StepRequest(request, toolbox, rules, agent.context_window, scale, estimate)


def model_settings_fields(
    agent: AgentRow, own_settings: dict[str, Any] | None, turn: Turn
) -> dict[str, Any]:
    """How the model is asked: the agent's temperature and length, unless the conversation
    has settings of its own; and what the settings add: one tool call at a time, an OpenAI
    reasoning model's effort, Anthropic's and Gemini's thinking budgets."""
    fields: dict[str, Any] = {"temperature": agent.temperature, "max_tokens": agent.max_tokens}
    settings = own_settings or agent.model_settings
    if not settings:
        return fields
    if own_settings:
        fields["temperature"] = own_settings.get("temperature")
        fields["max_tokens"] = own_settings.get("max_output_tokens", agent.max_tokens)
    fields["parallel_tool_calls"] = settings.get("parallel_tool_calls", True)
    effort = (settings.get("reasoning") or {}).get("reasoning_effort")
    if effort is not None and is_reasoning_model(turn.model):
        fields["reasoning_effort"] = effort
    gemini_thinking = settings.get("thinking_config")
    if gemini_thinking is not None:
        fields["thinking_budget"] = gemini_thinking.get("thinking_budget")
        fields["include_thoughts"] = gemini_thinking.get("include_thoughts", True)
    anthropic_thinking = settings.get("thinking") or {}
    if anthropic_thinking.get("type") == "enabled":
        fields["thinking_budget"] = anthropic_thinking.get("budget_tokens")
    return fields


def _system_message(compiled: ChatMessage, turn: Turn) -> ChatMessage:
    text = turn.system_override if turn.system_override is not None else compiled.content
    if turn.system_addendum:
        text = f"{text}\n\n{turn.system_addendum}"
    return ChatMessage(role="system", content=text)
