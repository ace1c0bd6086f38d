"""Provider tests run against a server with OpenAI, Anthropic and Google Gemini configured,
each pointed at its scripted fake (tests/fake_llm, tests/fake_anthropic, tests/fake_gemini)."""

from collections.abc import Iterator

import pytest

from tests.conftest import serving
from tests.servers import FakeAnthropic, FakeGemini, FakeLLM, LettaliteServer

ANTHROPIC_KEY = "test-anthropic-key"
GEMINI_KEY = "test-gemini-key"


@pytest.fixture(scope="session")
def server(
    database_factory,
    fake_llm: FakeLLM,
    fake_anthropic: FakeAnthropic,
    fake_gemini: FakeGemini,
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
    )
