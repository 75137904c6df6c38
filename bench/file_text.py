"""Attached-file text: luutru's PDF reader (crawler/extract/filetext.py, PDFium through
pypdfium2) against pypdf, the reader it replaced, on the same files in the same run.

The files are the demo portal's PDFs (demo_portal/documents.py: Vietnamese decision text,
40 lines a page) of 1, 10 and 40 pages. Each reader runs ``reps`` times per file after an
untimed warm-up, the two taking turns; the best time is kept. pypdf is timed only
where it is installed (``pip install -e '.[bench]'``); its words are compared with
luutru's, so that a faster reader that lost words would show.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

from crawler.extract import filetext
from demo_portal.documents import document_text, pdf_bytes

PAGES = (1, 10, 40)
LINES_PER_PAGE = 40


def sample_pdf(pages: int) -> bytes:
    sentence = document_text("/lf/documents/10180/7/qd-12.pdf")[2]
    return pdf_bytes([f"{sentence} ({n})" for n in range(LINES_PER_PAGE * pages)])


def _pypdf_reader() -> Callable[[bytes], str] | None:
    try:
        import pypdf
    except ImportError:
        return None

    def read(data: bytes) -> str:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        return filetext.clean("\n".join(page.extract_text() for page in reader.pages))

    return read


def _luutru(data: bytes) -> str:
    return filetext.extract(data, "pdf").text or ""


def _ms(read: Callable[[bytes], str], data: bytes) -> float:
    started = time.perf_counter()
    read(data)
    return (time.perf_counter() - started) * 1000


def run(reps: int = 5) -> dict[str, Any]:
    pypdf_read = _pypdf_reader()
    files = []
    for pages in PAGES:
        data = sample_pdf(pages)
        readers: dict[str, Callable[[bytes], str]] = {"luutru (pypdfium2)": _luutru}
        if pypdf_read is not None:
            readers["pypdf"] = pypdf_read
        texts = {name: read(data) for name, read in readers.items()}  # warm-up, and the text
        times: dict[str, list[float]] = {name: [] for name in readers}
        for _ in range(reps):
            for name, read in readers.items():
                times[name].append(_ms(read, data))
        files.append(
            {
                "pages": pages,
                "bytes": len(data),
                "ms_best": {name: round(min(t), 2) for name, t in times.items()},
                # Words, not layout: pypdf leaves a blank line between pages.
                "same_words": len({tuple(t.split()) for t in texts.values()}) == 1,
                "chars": len(texts["luutru (pypdfium2)"]),
            }
        )
    return {"reps": reps, "pypdf_installed": pypdf_read is not None, "files": files}


def table(result: dict[str, Any]) -> str:
    lines = ["pages  bytes    luutru ms  pypdf ms  ratio   same words"]
    for f in result["files"]:
        ours = f["ms_best"]["luutru (pypdfium2)"]
        theirs = f["ms_best"].get("pypdf")
        ratio = f"x{ours / theirs:.3f}" if theirs else "–"
        other = f"{theirs:.2f}" if theirs else "not installed"
        lines.append(
            f"{f['pages']:>5}  {f['bytes']:>7}  {ours:>9.2f}  {other:>8}  {ratio:>6}  "
            f"{'yes' if f['same_words'] else 'NO'}"
        )
    return "\n".join(lines)
