"""Which capture records an export carries: each selected article version's capture (the
record its WARC pointer names), known by the article's canonical URL and the version's
title, and — for a capture that is a revisit — the record holding its payload.

The (article, version) pairs come from ``archive.selection.selection`` (``--site``,
``--since``, all versions or the current ones); archive/warcexport.py writes the records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from archive.ids import public_id
from archive.schema import captures
from archive.warcbase import Original, WarcError, WarcPointer
from archive.warcexport import Capture
from archive.warcread import read_record


def warc_captures(pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> Iterator[Capture]:
    """One :class:`Capture` per selected (article, version) that has a WARC record."""
    for article, version in pairs:
        if not version.get("warc_file") or not version.get("warc_length"):
            continue  # archived before WARC capture existed
        pointer = WarcPointer(version["warc_file"], version["warc_offset"], version["warc_length"])
        page_id = f"{public_id(article['site'], article['article_key'])}@v{version['number']}"
        yield Capture(pointer, article["url"], version["title"], page_id)


def original_finder(
    archive: Any, warc_dir: Path
) -> Callable[[Capture, Original], WarcPointer | None]:
    """Find the record a revisit names: a logged capture of that URL with that payload
    digest whose record is the response with that id (or, without an id, that date)."""

    def find(capture: Capture, original: Original) -> WarcPointer | None:
        query = (
            select(captures.c.warc_file, captures.c.warc_offset, captures.c.warc_length)
            .where(
                captures.c.fetched_url == original.uri,
                captures.c.payload_digest == original.payload_digest,
                captures.c.warc_file.is_not(None),
            )
            .order_by(captures.c.id)
        )
        with archive.engine.connect() as conn:
            rows = conn.execute(query).all()
        for file, offset, length in rows:
            pointer = WarcPointer(file, offset, length)
            try:
                record = read_record(warc_dir, pointer)
            except WarcError:
                continue
            if record.rec_type != "response":
                continue
            if original.record_id and record.record_id == original.record_id:
                return pointer
            if not original.record_id and record.date == original.date:
                return pointer
        return None

    return find
