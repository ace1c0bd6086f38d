"""Encryption at rest for secrets users give the server (MCP tokens, headers, environments).

The key is `LETTALITE_ENCRYPTION_KEY` (a Fernet key) or, without it, a key generated once in the
data directory, readable by its owner only. A database copied without the key reveals nothing.
"""

import base64
import functools
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lettalite.config import Settings

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

KEY_FILE = "encryption.key"


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self.key = key

    @functools.cached_property
    def fernet(self) -> "Fernet":
        from cryptography.fernet import Fernet  # ~80 ms to import: not on the startup path

        return Fernet(self.key)

    @classmethod
    def from_settings(cls, settings: Settings) -> "SecretBox":
        if settings.encryption_key is not None and settings.encryption_key.get_secret_value():
            return cls(settings.encryption_key.get_secret_value().encode())
        return cls(_key_file(settings.data_dir.expanduser() / KEY_FILE))

    def seal(self, value: dict[str, Any]) -> str:
        return self.fernet.encrypt(json.dumps(value).encode()).decode()

    def open(self, sealed: str | None) -> dict[str, Any]:
        from cryptography.fernet import InvalidToken

        if not sealed:
            return {}
        try:
            return json.loads(self.fernet.decrypt(sealed.encode()))
        except InvalidToken as error:
            raise RuntimeError(
                "Stored secrets cannot be decrypted: LETTALITE_ENCRYPTION_KEY (or the data "
                "directory's encryption.key) is not the key they were stored with"
            ) from error


def _key_file(path: Path) -> bytes:
    """The key stored at `path`, created (mode 0600, never overwritten) when missing.

    Written whole to a temporary file, then linked to its name (which fails if the name exists):
    processes starting at once (workers, replicas on one data directory) all end up with the
    one key that was linked first, and none ever reads a file still being written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return path.read_bytes().strip()
    descriptor, staged = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)  # 0600
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(base64.urlsafe_b64encode(os.urandom(32)))  # a Fernet key
        os.link(staged, path)
    except FileExistsError:
        pass  # another process created it first: use its key
    finally:
        os.unlink(staged)
    return path.read_bytes().strip()


SHOWN_CHARS = 4
# A shorter secret shows nothing: four of its characters would be most of it.
SHOWN_FROM_LENGTH = 12


def mask(secret: str | None) -> str | None:
    """A secret as responses show it: enough to recognise, not to use."""
    if not secret:
        return secret
    shown = secret[:SHOWN_CHARS] if len(secret) >= SHOWN_FROM_LENGTH else ""
    return shown + "…"
