"""Splitting a document's text into chunks of at most a given size for embedding and search.

Chunks are consecutive slices of the text (joined, they give it back), cut at the widest
boundary that keeps a chunk at least half full: a blank line, a line end, a sentence end, a
space, and only inside a word as a last resort.
"""

# Letta's estimate of characters per token, which `embedding_chunk_size` (tokens) is counted in.
CHARS_PER_TOKEN = 4
BOUNDARIES = ("\n\n", "\n", ". ", " ")


def chunk_char_limit(chunk_tokens: int) -> int:
    return max(1, chunk_tokens * CHARS_PER_TOKEN)


def split_text(text: str, limit: int) -> list[str]:
    """Consecutive slices of `text`, each at most `limit` characters, that join back to it."""
    if limit < 1:
        raise ValueError("the chunk limit must be at least one character")
    slices: list[str] = []
    start = 0
    while len(text) - start > limit:
        end = _cut(text, start, limit)
        slices.append(text[start:end])
        start = end
    if start < len(text):
        slices.append(text[start:])
    return slices


def _cut(text: str, start: int, limit: int) -> int:
    """Where the chunk starting at `start` ends (exclusive)."""
    window_end = start + limit
    for boundary in BOUNDARIES:
        found = text.rfind(boundary, start, window_end)
        if found != -1 and found + len(boundary) - start >= limit // 2:
            return found + len(boundary)
    return window_end


def chunk_text(text: str, chunk_tokens: int) -> list[str]:
    """The chunks to store for `text`: its slices, trimmed, without the blank ones."""
    pieces = (piece.strip() for piece in split_text(text, chunk_char_limit(chunk_tokens)))
    return [piece for piece in pieces if piece]
