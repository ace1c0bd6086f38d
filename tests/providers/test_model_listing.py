"""`/v1/models` and `/v1/models/embedding` list what Ollama and the named OpenAI-compatible
servers really serve, asked live (cached), skipping a provider that is down."""

import json

import httpx
from letta_client import Letta

from tests.providers.conftest import compatible_servers
from tests.servers import FakeLLM, FakeOllama, free_port


def test_models_of_every_configured_provider(client: Letta) -> None:
    models = {m.handle: m for m in client.models.list()}
    assert {"openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"} <= set(models)
    # Ollama's models with tool calls (not gemma2, nor the embedding model), with the context
    # length `/api/show` gave.
    ollama = {h: m.max_context_window for h, m in models.items() if h.startswith("ollama/")}
    assert ollama == {"ollama/llama3.2:latest": 131072, "ollama/qwen3:8b": 40960}
    assert models["ollama/llama3.2:latest"].context_window == 128_000
    # Each named server's chat models from its /models (here fake_llm's).
    for name in ("lmstudio", "groq"):
        served = {h for h in models if h.startswith(f"{name}/")}
        assert served == {f"{name}/gpt-4o-mini", f"{name}/gpt-4o"}
    assert models["groq/gpt-4o"].provider_name == "groq"


def test_embedding_models_of_every_configured_provider(client: Letta) -> None:
    models = {m.handle: m for m in client.models.embeddings.list()}
    assert models["ollama/nomic-embed-text:latest"].embedding_dim == 768
    assert models["openai/text-embedding-3-small"].embedding_dim == 1536
    assert {"lmstudio/text-embedding-3-small", "groq/text-embedding-ada-002"} <= set(models)
    assert not [h for h in models if h.startswith("anthropic/")]


def test_a_listed_ollama_model_serves_an_agent(client: Letta) -> None:
    agent = client.agents.create(
        model="ollama/qwen3:8b", embedding="ollama/nomic-embed-text:latest"
    )
    response = client.agents.messages.create(agent.id, input="Hello!")
    assert response.stop_reason.stop_reason == "end_turn"


def test_listing_is_cached_and_a_provider_down_is_skipped_with_a_warning(
    start_server, fake_ollama: FakeOllama, fake_llm: FakeLLM
) -> None:
    servers = json.loads(compatible_servers(fake_llm))
    servers["vllm"] = {"base_url": f"http://127.0.0.1:{free_port()}/v1"}  # nobody listens
    server = start_server(
        OLLAMA_BASE_URL=fake_ollama.base_url, LETTALITE_OPENAI_COMPATIBLE=json.dumps(servers)
    )
    fake_ollama.clear()
    fake_llm.clear()
    for _ in range(2):
        response = httpx.get(f"{server.url}/v1/models/", timeout=30)
        assert response.status_code == 200
        handles = {model["handle"] for model in response.json()}
        assert {"ollama/qwen3:8b", "lmstudio/gpt-4o"} <= handles
        assert not [h for h in handles if h.startswith("vllm/")]
    assert [r["path"] for r in fake_ollama.requests()].count("/api/tags") == 1
    listed = [r["headers"].get("authorization") for r in fake_llm.requests()]
    assert sorted(listed) == ["Bearer groq-key", "Bearer lmstudio-key"]
    assert "Could not list the models of provider 'vllm'" in server.log.read_text()
