"""Gemini's failures keep the provider guarantees: retried within bounds, an overflow
compacts and tries again, a lasting error is a 502 naming Google Gemini with nothing stored,
and the fake refuses a request without the key header as the API does."""

import asyncio

import httpx
from letta_client import Letta

from lettalite.llm.google_provider import GoogleProvider
from lettalite.llm.retries import RetryPolicy
from tests.factories import create_seed_agent
from tests.fake_llm.embeddings import embed
from tests.servers import FakeGemini

GEMINI = "google_ai/gemini-2.0-flash"
OVERFLOW = "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."


def test_unavailable_once_is_retried(client: Letta, fake_gemini: FakeGemini) -> None:
    agent = create_seed_agent(client, model=GEMINI)
    fake_gemini.clear()
    response = client.agents.messages.create(agent.id, input="[[error_once 503]] hi")
    assert response.stop_reason.stop_reason == "end_turn"
    assert len(fake_gemini.generate_requests()) == 2


def test_a_context_overflow_compacts_and_tries_again(
    client: Letta, fake_gemini: FakeGemini
) -> None:
    agent = create_seed_agent(client, model=GEMINI)
    for number in range(4):
        client.agents.messages.create(agent.id, input=f"message {number}")
    fake_gemini.clear()
    response = client.agents.messages.create(
        agent.id, input=f"[[error_once 400 {OVERFLOW}]] hello again"
    )
    assert response.stop_reason.stop_reason == "end_turn"
    sent = fake_gemini.generate_requests()
    summaries = [body for body in sent if not body.get("tools")]
    assert len(sent) == 3 and len(summaries) == 1  # failed, summary, answered
    first_text = [body["contents"][0]["parts"][0]["text"] for body in (sent[0], sent[2])]
    assert first_text[0] == "message 0"
    assert first_text[1].startswith("[Summary of the earlier conversation")


def test_a_lasting_error_is_a_502_naming_gemini(
    client: Letta, http: httpx.Client, fake_gemini: FakeGemini
) -> None:
    agent = create_seed_agent(client, model=GEMINI)
    before = [m.id for m in client.agents.messages.list(agent.id)]
    fake_gemini.clear()
    response = http.post(f"/v1/agents/{agent.id}/messages", json={"input": "[[error 400 no]]"})
    assert response.status_code == 502
    assert "Google Gemini answered 400: no" in response.json()["detail"]
    assert len(fake_gemini.generate_requests()) == 1
    assert [m.id for m in client.agents.messages.list(agent.id)] == before


def test_the_fake_refuses_a_request_without_the_key(fake_gemini: FakeGemini) -> None:
    url = f"{fake_gemini.base_url}/v1beta/models/gemini-2.0-flash:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    refused = httpx.post(url, json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["status"] == "PERMISSION_DENIED"
    assert httpx.post(url, json=body, headers={"x-goog-api-key": "k"}).status_code == 200


def test_many_texts_are_embedded_in_batches_the_api_takes(fake_gemini: FakeGemini) -> None:
    provider = GoogleProvider(
        base_url=fake_gemini.base_url, api_key="k", timeout=10, retries=RetryPolicy()
    )
    texts = [f"passage number {n}" for n in range(150)]

    async def embed_all() -> list[list[float]]:
        try:
            return await provider.embed("gemini-embedding-001", texts)
        finally:
            await provider.close()

    fake_gemini.clear()
    vectors = asyncio.run(embed_all())
    assert vectors == [embed(text) for text in texts]
    sizes = [len(r["body"]["requests"]) for r in fake_gemini.requests()]
    assert sizes == [100, 50]
