"""The record that flows from the spider through the pipelines into the archive.

One ``ArticleRecord`` is one capture of one article page: the extracted fields plus what
the archive needs to place it (site, article key, URLs seen, HTTP validators, capture
time). The archive turns captures into versions; the record itself never says "new" or
"changed" — that is the archive's decision.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ArticleRecord:
    site: str
    article_key: str  # the url_pattern's `id` group: URL variants with one key are one article
    url: str  # canonical URL
    fetched_url: str  # the URL actually requested
    title: str
    body: str  # clean text, paragraphs separated by one blank line
    body_html: str = field(default="", repr=False)  # cleaned HTML of the body
    date: str | None = None  # YYYY-MM-DD (Asia/Ho_Chi_Minh)
    datetime: str | None = None  # ISO 8601 with +07:00 when the page gives a time, else None
    author: str | None = None
    source: str | None = None  # "Nguồn: …", never mixed with the author
    summary: str | None = None
    category: str | None = None
    attachments: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # other URLs seen for this article
    fetched_at: str = ""  # ISO 8601 with offset
    http_status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    warnings: list[str] = field(default_factory=list)
    raw_html: bytes = field(default=b"", repr=False)  # payload as served, for the WARC capture

    # Fields that define the content of a version: the hash is over these only, so
    # counters, viewstate and capture times can never make a new version.
    CONTENT_FIELDS = (
        "title",
        "date",
        "datetime",
        "author",
        "source",
        "summary",
        "body",
        "category",
        "attachments",
    )

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("raw_html")
        return data
