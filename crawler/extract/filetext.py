"""The text of an attached file (pdf, docx, xlsx, odt, xls), bounded, NFC, for search.

Each format is read by a well-kept library: pypdfium2 (PDFium, PDF), python-docx (docx),
openpyxl (xlsx, read-only mode), xlrd (old .xls). ODT is a zip holding ``content.xml``, read
with lxml (no entity expansion, no network). Old Word ``.doc`` has no small, maintained
pure-Python reader: it is kept, with the note "no text extractor".

Files come from the Internet, so every reader is bounded: at most ``MAX_PAGES`` PDF pages
or ``MAX_ROWS`` sheet rows, ``MAX_CHARS`` characters, ``MAX_SECONDS`` of work (checked
between pages and rows), and zip containers whose members would unpack past
``MAX_UNZIPPED`` bytes are refused before parsing (a zip bomb). A file that cannot be read
is a result with status ``failed`` and a one-line note, never an exception.

The format is sniffed from the bytes (a ``.doc`` that is really a docx is read as docx);
the URL's extension only decides between the two OLE formats (doc, xls).
"""

from __future__ import annotations

import io
import re
import threading
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_CHARS = 500_000  # a 200-page report is ~400k characters
MAX_PAGES = 300
MAX_ROWS = 20_000
MAX_SECONDS = 20.0
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_MEMBERS = 5_000

# What the crawl fetches (crawler/extract/attachments.py lists more: pptx, zip, rar are
# listed with the article but not fetched).
FETCHED_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt")
KINDS = tuple(e[1:] for e in FETCHED_EXTENSIONS)

STATUSES = ("ok", "truncated", "empty", "failed", "no_extractor")

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # NUL is refused by PostgreSQL
_SPACES = re.compile(r"[ \t\u00a0]+")
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


@dataclass(frozen=True)
class FileText:
    kind: str | None  # pdf | docx | xlsx | odt | doc | xls, None: not a known format
    text: str | None
    status: str  # one of STATUSES
    note: str | None = None


class _Budget:
    """Characters and time left; ``add`` says whether to go on."""

    def __init__(self, max_chars: int, seconds: float) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.max_chars = max_chars
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.stopped: str | None = None

    def add(self, text: str | None) -> bool:
        if text:
            self.parts.append(text)
            self.size += len(text) + 1
        if self.size >= self.max_chars:
            self.stopped = f"cut at {self.max_chars:,} characters"
        elif time.monotonic() > self.deadline:
            self.stopped = f"stopped after {self.seconds:g} s"
        return self.stopped is None

    def stop(self, why: str) -> None:
        self.stopped = why


def kind_of_url(url: str) -> str | None:
    """The fetched kind a link names by its path or a query value (``?file=x.pdf``)."""
    parts = urlsplit(url)
    for value in (unquote(parts.path), *(v for _, v in parse_qsl(parts.query))):
        lowered = value.lower()
        for ext in FETCHED_EXTENSIONS:
            if lowered.endswith(ext):
                return ext[1:]
    return None


def sniff(data: bytes, hint: str | None) -> str | None:
    """The format of ``data`` by its bytes; ``hint`` (from the URL) for OLE files."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data[:8] == _OLE:
        return hint if hint in ("doc", "xls") else None
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names and zf.read("mimetype").strip() == (
                    b"application/vnd.oasis.opendocument.text"
                ):
                    return "odt"
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            return hint if hint in ("docx", "xlsx", "odt") else None
    return None


def clean(text: str) -> str:
    """NFC, no control characters, single spaces, no blank-line runs; a CRLF (PDFium's line
    end, Windows files') is one line break."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def extract(
    data: bytes,
    hint: str | None = None,
    *,
    max_chars: int = MAX_CHARS,
    max_pages: int = MAX_PAGES,
    seconds: float = MAX_SECONDS,
) -> FileText:
    """The text of one file; never raises for a bad file."""
    kind = sniff(data, hint)
    if kind is None:
        what = f"not a {hint} file" if hint else "not a known document format"
        return FileText(hint, None, "failed", f"{what} (starts {data[:8]!r})")
    if kind == "doc":
        return FileText(kind, None, "no_extractor", "no text extractor for .doc (Word 97-2003)")
    budget = _Budget(max_chars, seconds)
    try:
        if kind in ("docx", "xlsx", "odt"):
            _check_zip(data)
        if kind == "pdf":
            _pdf(data, budget, max_pages)
        else:
            for chunk in _READERS[kind](data, budget):
                if not budget.add(chunk):
                    break
    except Exception as exc:  # a hostile or broken file: recorded, the crawl goes on
        return FileText(kind, None, "failed", _one_line(f"{type(exc).__name__}: {exc}"))
    text = clean("\n".join(budget.parts))[:max_chars]
    if not text:
        note = "no text layer (a scan?)" if kind == "pdf" else "no text"
        return FileText(kind, None, "empty", note)
    if budget.stopped:
        return FileText(kind, text, "truncated", budget.stopped)
    return FileText(kind, text, "ok")


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _check_zip(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ValueError(f"zip container with {len(infos)} members")
        unzipped = sum(i.file_size for i in infos)
        if unzipped > MAX_UNZIPPED:
            raise ValueError(f"zip container unpacks to {unzipped:,} bytes (a zip bomb?)")


# PDFium keeps global state and is not thread-safe; a crawl extracts in worker processes
# one file at a time, but the in-process fallback and tests may call from any thread.
_PDFIUM_LOCK = threading.Lock()


def _pdf(data: bytes, budget: _Budget, max_pages: int) -> None:
    """PDFium (Chrome's PDF engine, through pypdfium2): a third to a tenth of pypdf's CPU
    for the same words (docs/performance.md, eighteenth pass), so a portal's attached
    decisions do not hold up its crawl's extraction worker."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise ValueError("encrypted PDF (a password is needed)") from None
            raise
        try:
            count = len(document)
            for number in range(count):
                if number >= max_pages:
                    budget.stop(f"first {max_pages} of {count} pages")
                    return
                page = document[number]
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_range()  # lines end in CRLF: see clean()
                finally:  # a page left open is closed with its document below
                    textpage.close()
                    page.close()
                if not budget.add(text):
                    return
        finally:
            document.close()


def _docx(data: bytes, _budget: _Budget) -> Iterator[str]:
    import docx

    document = docx.Document(io.BytesIO(data))
    for paragraph in document.paragraphs:
        yield paragraph.text
    for table in document.tables:
        for row in table.rows:
            yield " | ".join(_unique(cell.text for cell in row.cells))


def _unique(texts: Iterable[str]) -> list[str]:
    """Merged cells repeat their text in python-docx: once is enough."""
    out: list[str] = []
    for t in texts:
        if t and (not out or out[-1] != t):
            out.append(t)
    return out


def _cells(rows: Iterable[Iterable[object]], budget: _Budget) -> Iterator[str]:
    for n, row in enumerate(rows):
        if n >= MAX_ROWS:
            budget.stop(f"first {MAX_ROWS:,} rows of a sheet")
            return
        cells = [str(v) for v in row if v is not None and str(v).strip()]
        if cells:
            yield " | ".join(cells)


def _xlsx(data: bytes, budget: _Budget) -> Iterator[str]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            yield sheet.title
            yield from _cells(sheet.iter_rows(values_only=True), budget)
    finally:
        book.close()


def _xls(data: bytes, budget: _Budget) -> Iterator[str]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            yield sheet.name
            yield from _cells((sheet.row_values(r) for r in range(sheet.nrows)), budget)
    finally:
        book.release_resources()


def _odt(data: bytes, _budget: _Budget) -> Iterator[str]:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        content = zf.read("content.xml")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(content, parser)
    for element in root.iter(f"{{{_ODF_TEXT}}}p", f"{{{_ODF_TEXT}}}h"):
        yield "".join(element.itertext())


_READERS = {"docx": _docx, "xlsx": _xlsx, "xls": _xls, "odt": _odt}
