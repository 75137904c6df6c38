"""Large text stored compressed: zstd (python-zstandard), one frame per value.

The cleaned body HTML is the largest column and is read only for display, so it is stored
compressed (about 4× smaller on these pages); texts that are searched, hashed or exported
(title, body, summary …) stay plain so SQL and the search index see them as they are.
"""

from __future__ import annotations

import zstandard

LEVEL = 9  # small pages, written once, read rarely: the stronger level costs little


def pack(text: str | None) -> bytes | None:
    if not text:
        return None
    return zstandard.ZstdCompressor(level=LEVEL).compress(text.encode("utf-8"))


def unpack(blob: bytes | None, fallback: str | None = "") -> str:
    """The text of ``blob``; ``fallback`` (an uncompressed column of older rows) if none."""
    if not blob:
        return fallback or ""
    return zstandard.ZstdDecompressor().decompress(blob).decode("utf-8")
