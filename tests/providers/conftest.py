"""Provider tests run against a server with both OpenAI and Anthropic configured, each
pointed at its scripted fake (tests/fake_llm, tests/fake_anthropic)."""

from collections.abc import Iterator

import pytest

from tests.conftest import serving
from tests.servers import FakeAnthropic, FakeLLM, LettaliteServer

ANTHROPIC_KEY = "test-anthropic-key"


@pytest.fixture(scope="session")
def server(
    database_factory,
    fake_llm: FakeLLM,
    fake_anthropic: FakeAnthropic,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LettaliteServer]:
    yield from serving(
        database_factory,
        fake_llm,
        tmp_path_factory,
        ANTHROPIC_API_KEY=ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL=fake_anthropic.base_url,
    )
