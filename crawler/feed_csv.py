"""The CSV of Scrapy's feed exports (``scrapy crawl portal -O out.csv``, crawler/feeds.py).

``ArticleCsvItemExporter`` writes a CSV that Excel opens as it is, like ``luutru export
--format csv``: UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the local
code page and garbles Vietnamese), lists and objects as JSON (Scrapy's default joins
lists with "," — ambiguous for URLs and titles that hold commas), and a fixed header.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
from typing import Any

from scrapy.exporters import CsvItemExporter

from crawler.feeds import CSV_FIELDS


def _json_cell(value: Any) -> Any:
    """A list, tuple, dict or record (``WarcRef``) as JSON text; anything else as is."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


class ArticleCsvItemExporter(CsvItemExporter):
    """Scrapy's CSV exporter with a BOM, JSON lists and the ``CSV_FIELDS`` header."""

    def __init__(self, file: Any, **kwargs: Any) -> None:
        encoding = kwargs.get("encoding")
        if encoding is None or codecs.lookup(encoding).name == "utf-8":
            # utf-8-sig writes the BOM once, at the start of the file: not when -o
            # appends to an existing file (the stream's position is not 0 then).
            kwargs["encoding"] = "utf-8-sig"
        if not kwargs.get("fields_to_export"):
            kwargs["fields_to_export"] = list(CSV_FIELDS)
        super().__init__(file, **kwargs)

    def _join_if_needed(self, value: Any) -> Any:
        return _json_cell(value)
