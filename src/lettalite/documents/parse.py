"""Which uploads are accepted, and their text: PDF through pypdf, HTML through html2text, and
every text format (plain, Markdown, JSON, CSV, source code) as it is.

Parsing is CPU work: callers run `extract_text` in a worker thread.
"""

import io
import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath

PDF_TYPE = "application/pdf"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Extensions read as text whatever type the client claims (many send application/octet-stream).
# (A list literal of them would take 90 lines.)
TEXT_EXTENSIONS = frozenset(
    ".txt .text .md .markdown .rst .json .jsonl .csv .tsv .log .xml .yaml .yml .toml .ini "  # noqa: SIM905
    ".cfg .conf .env .sql .tex .py .pyi .js .mjs .cjs .ts .tsx .jsx .java .kt .kts .scala .c "
    ".h .cc .cpp .cxx .hpp .cs .go .rs .rb .php .pl .pm .lua .r .swift .m .sh .bash .zsh "
    ".ps1 .bat .css .scss .less .vue .svelte .dart .ex .exs .erl .hs .ml .clj .groovy "
    ".gradle .proto .graphql .dockerfile .makefile ".split()
)
EXTENSION_TYPES = {".pdf": PDF_TYPE, ".html": "text/html", ".htm": "text/html"}
TEXT_APPLICATION_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/x-javascript",
        "application/typescript",
        "application/x-yaml",
        "application/yaml",
        "application/toml",
        "application/x-sh",
        "application/sql",
        "application/x-python",
        "application/x-python-code",
        "application/csv",
        "application/x-ndjson",
    }
)
UNSUPPORTED = (
    "Unsupported file type: {mime} (filename: {name}). Supported types: PDF, text files "
    "(.txt, .md), JSON, and code files (.py, .js, .java, etc.)."
)


class UnsupportedType(Exception):
    """The upload is not a type lettalite can read; the message is the client's 415 detail."""


class UnreadableDocument(Exception):
    """The upload claims a supported type but its content cannot be read as one."""


@dataclass(frozen=True)
class DocumentKind:
    mime: str  # what `file_type` reports
    reader: str  # "pdf", "html" or "text"


def document_kind(file_name: str, claimed_type: str | None) -> DocumentKind:
    """How to read an upload named `file_name` that the client says is `claimed_type`; raises
    UnsupportedType for anything else."""
    suffix = PurePosixPath(file_name.lower()).suffix
    claimed = (claimed_type or "").split(";")[0].strip().lower()
    guessed = EXTENSION_TYPES.get(suffix) or mimetypes.guess_type(file_name)[0] or ""
    if claimed in ("", "application/octet-stream"):
        claimed = guessed
    if claimed == PDF_TYPE or suffix == ".pdf":
        return DocumentKind(PDF_TYPE, "pdf")
    if claimed in HTML_TYPES or suffix in (".html", ".htm"):
        return DocumentKind(claimed if claimed in HTML_TYPES else "text/html", "html")
    if (
        suffix in TEXT_EXTENSIONS
        or claimed.startswith("text/")
        or claimed in TEXT_APPLICATION_TYPES
    ):
        return DocumentKind(claimed or "text/plain", "text")
    raise UnsupportedType(UNSUPPORTED.format(mime=claimed or "unknown", name=file_name))


def extract_text(data: bytes, kind: DocumentKind) -> str:
    """The document's text; raises UnreadableDocument with the reason."""
    if kind.reader == "pdf":
        return _pdf_text(data)
    text = _decoded(data)
    if kind.reader == "html":
        import html2text  # imported here: most servers never parse HTML

        converter = html2text.HTML2Text(bodywidth=0)
        converter.ignore_images = True
        return converter.handle(text)
    return text


def _decoded(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise UnreadableDocument("the file contains binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableDocument(
            f"the file is not UTF-8 text (invalid byte at position {error.start})"
        ) from error


def _pdf_text(data: bytes) -> str:
    import pypdf  # imported here: loading it would slow every server start
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableDocument("the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise UnreadableDocument(f"the PDF could not be read: {error}") from error
    return "\n\n".join(page.strip() for page in pages)
