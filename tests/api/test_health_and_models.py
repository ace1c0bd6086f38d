import httpx
from letta_client import Letta

from lettalite import __version__


def test_health_answers_both_slash_forms_without_redirect(http: httpx.Client) -> None:
    for path in ("/v1/health/", "/v1/health"):
        response = http.get(path, follow_redirects=False)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"status": "ok", "version": __version__, "warnings": []}


def test_health_through_the_sdk(client: Letta) -> None:
    assert client.health().status == "ok"


def test_models_list_validates_strictly_and_includes_the_seed_model(client: Letta) -> None:
    handles = {model.handle for model in client.models.list()}
    assert "openai/gpt-4o-mini" in handles


def test_a_provider_without_its_key_is_not_served(client: Letta, http: httpx.Client) -> None:
    assert not [m.handle for m in client.models.list() if m.handle.startswith("anthropic/")]
    response = http.post("/v1/agents/", json={"model": "anthropic/claude-sonnet-4-5"})
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "provider 'anthropic' is not configured (configured: openai)" in detail


def test_embedding_models_list(client: Letta) -> None:
    models = client.models.embeddings.list()
    by_handle = {model.handle: model for model in models}
    assert by_handle["openai/text-embedding-3-small"].embedding_dim == 1536


def test_collections_answer_without_trailing_slash_too(http: httpx.Client) -> None:
    for path in ("/v1/agents", "/v1/blocks", "/v1/tools", "/v1/models"):
        response = http.get(path, follow_redirects=False)
        assert response.status_code == 200, path
        assert isinstance(response.json(), list)
