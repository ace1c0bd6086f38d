"""Shared by the folder tests: making folders, uploading, waiting for processing, PDFs."""

import io
import itertools
import time
from typing import Any

from letta_client import Letta

EMBEDDING = "openai/text-embedding-3-small"
_names = itertools.count()


def new_folder(client: Letta, embedding: str | None, name: str | None = None, **extra: Any):
    name = name or f"folder-{time.time_ns()}-{next(_names)}"
    return client.folders.create(
        name=name, **({"embedding": embedding} if embedding else {}), **extra
    )


def upload(
    client: Letta, folder_id: str, name: str, data: bytes, content_type: str | None = "text/plain"
):
    file = (name, io.BytesIO(data), content_type) if content_type else (name, io.BytesIO(data))
    return client.folders.files.upload(folder_id, file=file)


def wait_processed(
    client: Letta, folder_id: str, file_id: str, *, content: bool = False, timeout: float = 30
):
    """Poll the file, as a client does, until it is completed or in error."""
    deadline = time.monotonic() + timeout
    while True:
        file = client.folders.files.retrieve(file_id, folder_id=folder_id, include_content=content)
        if file.processing_status in ("completed", "error"):
            return file
        if time.monotonic() > deadline:
            raise AssertionError(f"still {file.processing_status} after {timeout} s")
        time.sleep(0.05)


def make_pdf(pages: list[str]) -> bytes:
    """A PDF with one page per text (fpdf2, a test dependency)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())
