"""How an MCP tool's answer reads to the model, and how secrets are sealed at rest."""

import json
import stat
from pathlib import Path

from cryptography.fernet import Fernet

from lettalite.agent.mcp_tools import EMPTY_RESPONSE, mcp_outcome
from lettalite.config import Settings
from lettalite.mcp_client import McpCallResult
from lettalite.secret_box import KEY_FILE, SecretBox, mask

PNG = {"type": "image", "data": "iVBORw0KGgo=", "mime_type": "image/png"}


def result(*parts: dict, structured: dict | None = None, error: bool = False) -> McpCallResult:
    return McpCallResult(is_error=error, parts=parts, structured=structured)


def test_text_parts_are_joined_and_other_parts_kept() -> None:
    text = mcp_outcome(result({"type": "text", "text": "a"}, {"type": "text", "text": "b"}))
    assert (text.status, text.message) == ("success", "a b")
    image = mcp_outcome(result(PNG))
    assert image.images == (
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
        },
    )
    assert image.message == "[1 image(s) returned]"
    link = {"type": "resource_link", "uri": "file:///x", "name": "x"}
    assert json.loads(mcp_outcome(result(link)).message) == link


def test_structured_content_empty_answers_and_errors() -> None:
    assert mcp_outcome(result(structured={"n": 1})).message == '{"n": 1}'
    assert mcp_outcome(result()).message == EMPTY_RESPONSE
    failed = mcp_outcome(result({"type": "text", "text": "no such file"}, error=True))
    assert (failed.status, failed.message) == ("error", "no such file")


def test_the_key_comes_from_the_setting_or_a_private_file(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    configured = SecretBox.from_settings(
        Settings.model_validate(
            {"LETTALITE_ENCRYPTION_KEY": key.decode(), "LETTALITE_DATA_DIR": str(tmp_path)}
        )
    )
    sealed = configured.seal({"auth_token": "s3cret-token"})
    assert "s3cret" not in sealed
    assert json.loads(Fernet(key).decrypt(sealed.encode())) == {"auth_token": "s3cret-token"}
    assert not (tmp_path / KEY_FILE).exists()

    settings = Settings.model_validate({"LETTALITE_DATA_DIR": str(tmp_path / "data")})
    generated = SecretBox.from_settings(settings)
    key_file = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = SecretBox.from_settings(settings)  # the same key, read back
    assert again.open(generated.seal({"env": {"A": "1"}})) == {"env": {"A": "1"}}


def test_masks_show_four_characters_of_long_secrets_only() -> None:
    assert mask("abcdefghijkl") == "abcd…" and mask("short-pass") == "…"
    assert mask(None) is None and mask("") == ""
