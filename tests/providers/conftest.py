"""Provider tests run against a server with OpenAI, Anthropic, Google Gemini, Ollama and two
named OpenAI-compatible servers configured, each pointed at its scripted fake (tests/fake_llm,
tests/fake_anthropic, tests/fake_gemini, tests/fake_ollama)."""

import json
from collections.abc import Iterator

import pytest

from tests.conftest import serving
from tests.servers import FakeAnthropic, FakeGemini, FakeLLM, FakeOllama, LettaliteServer

ANTHROPIC_KEY = "test-anthropic-key"
GEMINI_KEY = "test-gemini-key"
# Two named OpenAI-compatible servers, both the scripted fake_llm, told apart by their keys.
COMPATIBLE_KEYS = {"lmstudio": "lmstudio-key", "groq": "groq-key"}


def compatible_servers(fake_llm: FakeLLM) -> str:
    return json.dumps(
        {
            name: {"base_url": fake_llm.base_url, "api_key": key}
            for name, key in COMPATIBLE_KEYS.items()
        }
    )


@pytest.fixture(scope="session")
def server(
    database_factory,
    fake_llm: FakeLLM,
    fake_anthropic: FakeAnthropic,
    fake_gemini: FakeGemini,
    fake_ollama: FakeOllama,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LettaliteServer]:
    yield from serving(
        database_factory,
        fake_llm,
        tmp_path_factory,
        ANTHROPIC_API_KEY=ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL=fake_anthropic.base_url,
        GEMINI_API_KEY=GEMINI_KEY,
        GEMINI_BASE_URL=fake_gemini.base_url,
        OLLAMA_BASE_URL=fake_ollama.base_url,
        LETTALITE_OPENAI_COMPATIBLE=compatible_servers(fake_llm),
    )
