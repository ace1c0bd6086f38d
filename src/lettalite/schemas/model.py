"""Model configuration on the wire: LLM and embedding configs, and the model listings."""

from typing import Literal

from lettalite.schemas.common import WireModel


class LLMConfig(WireModel):
    model: str
    display_name: str | None = None
    model_endpoint_type: str
    model_endpoint: str | None = None
    provider_name: str | None = None
    provider_category: Literal["base", "byok"] | None = "base"
    model_wrapper: str | None = None
    context_window: int
    put_inner_thoughts_in_kwargs: bool = False
    handle: str
    temperature: float = 1.0
    max_tokens: int | None = None
    enable_reasoner: bool = True
    reasoning_effort: str | None = None
    max_reasoning_tokens: int = 0
    frequency_penalty: float | None = None
    parallel_tool_calls: bool = False
    strict: bool = False
    effort: str | None = None
    verbosity: str | None = None


class EmbeddingConfig(WireModel):
    embedding_endpoint_type: str
    embedding_endpoint: str | None = None
    embedding_model: str
    embedding_dim: int
    embedding_chunk_size: int = 300
    # None on an agent that has no embedding model (see services/views.py).
    handle: str | None
    batch_size: int = 32


class Model(LLMConfig):
    name: str
    provider_type: str
    max_context_window: int
    model_type: Literal["llm"] = "llm"


class EmbeddingModel(EmbeddingConfig):
    name: str
    display_name: str
    provider_name: str
    provider_type: str
    model_type: Literal["embedding"] = "embedding"
