"""Embedding text for archival memory and folders, with the step's vectors made in advance."""

from collections.abc import Callable, Sequence

from lettalite.errors import InvalidArgument, LettaliteError, LLMProviderError
from lettalite.llm.catalog import ModelHandle, served_embedding
from lettalite.llm.types import LLMClient, LLMError

ModelClients = Callable[[ModelHandle], LLMClient]
# A provider answering these refused the text itself, not the request as a whole.
TEXT_REFUSED_STATUSES = (400, 413, 422)


class Embedder:
    """Embeds text with an embedding model, or hands out vectors computed in advance.

    A step embeds its archival tool arguments before its transaction opens, so that no
    database lock (SQLite's single writer) is held while the provider is called.
    """

    def __init__(self, clients: ModelClients) -> None:
        self._clients = clients
        self._ready: dict[tuple[str, str], list[float] | LettaliteError] = {}

    async def embed_in_advance(self, handle: str, texts: list[str]) -> None:
        """Embed `texts` in one provider call (those not embedded yet); a failure is kept and
        raised by `embed`."""
        texts = [text for text in dict.fromkeys(texts) if (handle, text) not in self._ready]
        if not texts:
            return
        try:
            vectors: Sequence[list[float] | LettaliteError] = await self._call(handle, texts)
        except LettaliteError as error:
            vectors = [error] * len(texts)
        self._ready.update({(handle, text): v for text, v in zip(texts, vectors, strict=True)})

    async def embed(self, handle: str, text: str) -> list[float]:
        ready = self._ready.get((handle, text))
        if isinstance(ready, LettaliteError):
            raise ready
        if ready is not None:
            return ready
        (vector,) = await self._call(handle, [text])
        return vector

    async def _call(self, handle: str, texts: list[str]) -> list[list[float]]:
        model = await served_embedding(handle)
        try:
            return await self._clients(model).embed(model.model, texts)
        except LLMError as error:
            if error.status_code in TEXT_REFUSED_STATUSES:
                raise InvalidArgument(
                    f"The embedding model {handle} refused the text: {error.detail}"
                ) from error
            raise LLMProviderError(
                f"The embedding model {handle} failed: {error.detail}"
            ) from error
