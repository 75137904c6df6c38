"""Large text stored compressed: zstd (python-zstandard), one frame per value.

The cleaned body HTML is the largest column and is read only for display, so it is stored
compressed (about 4× smaller on these pages); texts that are searched, hashed or exported
(title, body, summary …) stay plain so SQL and the search index see them as they are.
"""

from __future__ import annotations

import zstandard

# Level 6 compresses these pages as well as 9 did (within 0.1 %) in half the CPU time
# (0.07 against 0.13 ms a page: a tenth of a batched write's budget); 3 is 4 % bigger.
LEVEL = 6


def pack(text: str | None) -> bytes | None:
    if not text:
        return None
    return zstandard.ZstdCompressor(level=LEVEL).compress(text.encode("utf-8"))


def unpack(blob: bytes | None, fallback: str | None = "") -> str:
    """The text of ``blob``; ``fallback`` (an uncompressed column of older rows) if none."""
    if not blob:
        return fallback or ""
    return zstandard.ZstdDecompressor().decompress(blob).decode("utf-8")
