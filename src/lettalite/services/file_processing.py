"""Processing uploaded files in the background: parse, chunk, embed (with the folder's
embedding model), index, and mark the file "completed", or "error" with the reason.

Any server process may process any waiting file: it claims one for `file_lease_seconds` and
renews the claim after every batch of chunks. A process that stops mid-way leaves its claim to
lapse, and the file is taken over (started again) by a process that is running, this one after
a restart included. A file whose processing was cut off MAX_ATTEMPTS times ends in "error".
"""

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lettalite.agent.embedder import Embedder, ModelClients
from lettalite.db import folders as folder_queries
from lettalite.db.base import utcnow
from lettalite.db.folder_models import FilePassageRow, FileRow, FileUploadRow, FolderRow
from lettalite.db.session import Database
from lettalite.documents.chunk import chunk_text
from lettalite.documents.parse import UnreadableDocument, document_kind, extract_text
from lettalite.errors import LettaliteError
from lettalite.ids import new_id
from lettalite.services.agent_folders import open_in_attached_agents

logger = logging.getLogger("lettalite")
EMBED_BATCH = 100  # chunks embedded in one provider call and stored in one transaction
MAX_ATTEMPTS = 3
IDLE_POLL_SECONDS = 5.0  # how often an idle process looks for files another one left


class FileGone(Exception):
    """The file was deleted (or finished by another process) while this one worked on it."""


class FileProcessor:
    def __init__(self, database: Database, clients: ModelClients, lease_seconds: float) -> None:
        self._database = database
        self._clients = clients
        self._lease = timedelta(seconds=lease_seconds)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A file was uploaded: look now rather than at the next poll."""
        self._wake.set()

    async def work(self) -> float:
        """One round for `keep_running`: process every waiting file, then wait for an upload."""
        self._wake.clear()
        while (file_id := await self._claim_next()) is not None:
            await self.process(file_id)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)
        return 0.0

    async def _claim_next(self) -> str | None:
        async with self._database.session() as session:
            now = utcnow()
            file_id = await folder_queries.next_unfinished_file(session, now)
            if file_id is None:
                return None
            claimed = await folder_queries.claim_file(session, file_id, now, now + self._lease)
        return file_id if claimed else await self._claim_next()

    async def process(self, file_id: str) -> None:
        try:
            await self._process(file_id)
        except FileGone:
            return
        except UnreadableDocument as error:
            await self._fail(file_id, f"The file could not be parsed: {error}")
        except LettaliteError as error:
            await self._fail(file_id, error.detail)
        except DBAPIError:
            raise  # the database is away: the claim lapses and the file is taken up again
        except Exception as error:  # a parser's bug must not leave the file "parsing"
            logger.exception("Processing file %s failed", file_id)
            await self._fail(file_id, f"Processing failed: {type(error).__name__}: {error}")

    async def _load(self, session: AsyncSession, file_id: str) -> FileRow:
        file = await session.get(FileRow, file_id)
        if file is None or file.processing_status not in folder_queries.UNFINISHED:
            raise FileGone
        file.claimed_until = utcnow() + self._lease
        return file

    async def _process(self, file_id: str) -> None:
        async with self._database.session() as session:
            file = await self._load(session, file_id)
            if file.attempts > MAX_ATTEMPTS:
                file.processing_status = "error"
                file.error_message = (
                    f"Processing was interrupted {MAX_ATTEMPTS} times (the server stopped while "
                    "processing the file); upload it again."
                )
                file.claimed_until = None
                return
            folder = await session.get(FolderRow, file.folder_id)
            handle, chunk_tokens = folder.embedding, folder.embedding_chunk_size
            upload = await session.get(FileUploadRow, file_id)
            text = None if upload is not None else await folder_queries.file_content(session, file)
            kind = document_kind(file.original_file_name, file.file_type)
            data = upload.data if upload is not None else None
        if text is None:
            if data is None:
                raise UnreadableDocument("the uploaded bytes are missing")
            text = (await asyncio.to_thread(extract_text, data, kind)).replace("\x00", "")
            await self._store_text(file_id, text, embedding=handle is not None)
        chunks = chunk_text(text, chunk_tokens)
        await self._start_chunks(file_id, len(chunks), embedding=handle is not None)
        for start in range(0, len(chunks), EMBED_BATCH):
            await self._store_chunks(
                file_id, folder.id, handle, chunks[start : start + EMBED_BATCH], start
            )
        async with self._database.session() as session:
            file = await self._load(session, file_id)
            file.processing_status, file.claimed_until = "completed", None

    async def _store_text(self, file_id: str, text: str, *, embedding: bool) -> None:
        async with self._database.session() as session:
            file = await self._load(session, file_id)
            file.content = text
            file.processing_status = "embedding" if embedding else "parsing"
            await session.execute(delete(FileUploadRow).where(FileUploadRow.file_id == file_id))
            await session.flush()
            await open_in_attached_agents(session, file)

    async def _start_chunks(self, file_id: str, total: int, *, embedding: bool) -> None:
        """Drop the chunks of an interrupted earlier attempt and count the new ones."""
        async with self._database.session() as session:
            file = await self._load(session, file_id)
            await session.execute(delete(FilePassageRow).where(FilePassageRow.file_id == file_id))
            file.total_chunks, file.chunks_embedded = total, 0
            if embedding:
                file.processing_status = "embedding"

    async def _store_chunks(
        self, file_id: str, folder_id: str, handle: str | None, chunks: list[str], first: int
    ) -> None:
        vectors: list[list[float] | None] = [None] * len(chunks)
        if handle is not None:  # embedded before the transaction: no lock held meanwhile
            embedder = Embedder(self._clients)
            await embedder.embed_in_advance(handle, chunks)
            vectors = [await embedder.embed(handle, chunk) for chunk in chunks]
        try:
            async with self._database.session() as session:
                file = await self._load(session, file_id)
                session.add_all(
                    FilePassageRow(
                        id=new_id("passage"),
                        file_id=file_id,
                        folder_id=folder_id,
                        chunk_index=first + index,
                        text=chunk,
                        embedding_model=handle if vector is not None else None,
                        embedding=vector,
                    )
                    for index, (chunk, vector) in enumerate(zip(chunks, vectors, strict=True))
                )
                if handle is not None:
                    file.chunks_embedded = (file.chunks_embedded or 0) + len(chunks)
        except IntegrityError as error:  # the file was deleted meanwhile
            raise FileGone from error

    async def _fail(self, file_id: str, reason: str) -> None:
        async with self._database.session() as session:
            file = await session.get(FileRow, file_id)
            if file is not None:
                file.processing_status, file.error_message = "error", reason[:1000]
                file.claimed_until = None
