"""The seed quickstart through the other official SDK generations (0.x Python with `token=`,
TypeScript 1.x) on an agent of each provider: what they parse does not depend on the model."""

import pytest

from tests.sdk.scripts import SDK0_PYTHON, SDK_DIR, TS_DIR, run_script
from tests.sdk.test_seed_quickstart import assert_seed_output
from tests.servers import LettaliteServer

MODELS = [
    "anthropic/claude-sonnet-4-5",
    "google_ai/gemini-2.5-flash",
    "ollama/llama3.2",
    "groq/gpt-4o-mini",
]


@pytest.mark.parametrize("model", MODELS)
def test_typescript_sdk_seed(server: LettaliteServer, model: str) -> None:
    lines = run_script(["node", "seed.mjs", server.url, model], TS_DIR)
    assert_seed_output(lines)
    assert lines[-1] == "Assistant: Your name is Cameron."


@pytest.mark.parametrize("model", MODELS)
def test_python_sdk_0x_seed(server: LettaliteServer, model: str) -> None:
    lines = run_script([str(SDK0_PYTHON), str(SDK_DIR / "seed_v0.py"), server.url, model], SDK_DIR)
    assert_seed_output(lines)
