"""Deterministic bag-of-words embeddings: texts sharing words have a higher cosine."""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from typing import Any

from .directives import BadRequest

DEFAULT_DIMENSIONS = 64
DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"

_WORD_RE = re.compile(r"\w+")
# A text to embed containing `[[error STATUS]]` makes the whole request fail with STATUS.
_ERROR_RE = re.compile(r"\[\[error (\d{3})\]\]")


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


def embed(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """A unit vector: each word adds ±1 at a hashed index (the hashing trick)."""
    vector = [0.0] * dimensions
    for word in words(text):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        index = int.from_bytes(digest[:4], "little") % dimensions
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(value * value for value in vector))
    if norm == 0.0:
        # A zero vector would break cosine similarity downstream; use a fixed unit vector.
        vector[0] = 1.0
        return vector
    return [value / norm for value in vector]


def embeddings_response(request_body: dict[str, Any]) -> dict[str, Any]:
    texts = _input_texts(request_body.get("input"))
    dimensions = _dimensions(request_body.get("dimensions"))
    encode_base64 = _wants_base64(request_body.get("encoding_format"))
    model = request_body.get("model")
    token_count = max(1, sum(len(words(text)) for text in texts))
    return {
        "object": "list",
        "data": [
            {
                "object": "embedding",
                "index": index,
                "embedding": _encode(embed(text, dimensions), encode_base64),
            }
            for index, text in enumerate(texts)
        ],
        "model": model if isinstance(model, str) else DEFAULT_EMBEDDING_MODEL,
        "usage": {"prompt_tokens": token_count, "total_tokens": token_count},
    }


def requested_error(request_body: dict[str, Any]) -> int | None:
    """The status an `[[error STATUS]]` in one of the texts asks for, if any."""
    texts = _input_texts(request_body.get("input"))
    statuses = [int(match[1]) for text in texts if (match := _ERROR_RE.search(text))]
    return statuses[0] if statuses else None


def _input_texts(raw_input: Any) -> list[str]:
    if isinstance(raw_input, str):
        return [raw_input]
    if isinstance(raw_input, list) and raw_input and all(isinstance(t, str) for t in raw_input):
        return raw_input
    raise BadRequest("'input' must be a string or a non-empty list of strings")


def _dimensions(raw_dimensions: Any) -> int:
    if raw_dimensions is None:
        return DEFAULT_DIMENSIONS
    is_integer = isinstance(raw_dimensions, int) and not isinstance(raw_dimensions, bool)
    if is_integer and raw_dimensions > 0:
        return raw_dimensions
    raise BadRequest("'dimensions' must be a positive integer")


def _wants_base64(encoding_format: Any) -> bool:
    if encoding_format in (None, "float"):
        return False
    if encoding_format == "base64":
        return True
    raise BadRequest("'encoding_format' must be 'float' or 'base64'")


def _encode(vector: list[float], encode_base64: bool) -> list[float] | str:
    if not encode_base64:
        return vector
    packed = struct.pack(f"<{len(vector)}f", *vector)
    return base64.b64encode(packed).decode("ascii")
