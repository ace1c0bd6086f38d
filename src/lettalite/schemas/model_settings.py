"""`model_settings` on agents and conversations: how the model is asked, per provider type.

As on Letta's server, a field left out takes its default when the settings are written (only
`max_output_tokens` keeps the agent's value), so `{"provider_type": "openai"}` also resets the
temperature to 0.7. lettalite reads one model for every provider type and fills in the
defaults of the type that was named.
"""

from typing import Any, Literal

from pydantic import Field

from lettalite.schemas.common import RequestModel
from lettalite.schemas.tool_rule import ResponseFormat

MAX_OUTPUT_TOKENS = 2_000_000
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]


class OpenAIReasoning(RequestModel):
    reasoning_effort: ReasoningEffort = "high"


class AnthropicThinking(RequestModel):
    type: Literal["enabled", "disabled"] = "enabled"
    budget_tokens: int = Field(1024, ge=0, le=MAX_OUTPUT_TOKENS)


class GeminiThinkingConfig(RequestModel):
    include_thoughts: bool = True
    thinking_budget: int = Field(1024, ge=-1, le=MAX_OUTPUT_TOKENS)


# Each provider type's own defaults, besides those every type shares.
TYPE_DEFAULTS: dict[str, dict[str, Any]] = {
    "openai": {"temperature": 0.7, "reasoning": {"reasoning_effort": "high"}, "strict": True},
    "anthropic": {
        "temperature": 1.0,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "strict": False,
    },
    "google_ai": {
        "temperature": 0.7,
        "thinking_config": {"include_thoughts": True, "thinking_budget": 1024},
    },
}
OTHER_TYPE_DEFAULTS: dict[str, Any] = {"temperature": 0.7}


class ModelSettings(RequestModel):
    provider_type: str = Field(min_length=1, max_length=32)
    max_output_tokens: int | None = Field(None, ge=1, le=MAX_OUTPUT_TOKENS)
    parallel_tool_calls: bool = True
    temperature: float | None = Field(None, ge=0, le=2)
    reasoning: OpenAIReasoning | None = None
    thinking: AnthropicThinking | None = None
    thinking_config: GeminiThinkingConfig | None = None
    effort: Literal["low", "medium", "high", "max"] | None = None
    verbosity: Literal["low", "medium", "high"] | None = None
    response_format: ResponseFormat | None = None
    strict: bool | None = None

    def filled(self) -> dict[str, Any]:
        """The settings as stored: what was sent, and the type's default for each field left
        out (`max_output_tokens` only when sent)."""
        sent = self.model_dump(mode="json", exclude_unset=True)
        defaults = TYPE_DEFAULTS.get(self.provider_type, OTHER_TYPE_DEFAULTS)
        return {"parallel_tool_calls": True, **defaults, **sent}
