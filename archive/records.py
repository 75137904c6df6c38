"""What the archive accepts: one capture of an article page, or the outcome of a fetch.

The archive defines these and the crawler builds them, so the store never depends on the
crawler to know what it stores. One ``ArticleRecord`` is one capture of one article page:
the extracted fields plus what the archive needs to place it (site, article key, URLs
seen, HTTP validators, capture time). The archive turns captures into versions; the record
itself never says "new" or "changed" — that is the archive's decision.
"""

from __future__ import annotations

from dataclasses import InitVar, asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class WarcRef:
    """A record in the run's WARC series: file name (relative to the WARC directory)."""

    file: str
    offset: int
    length: int
    payload_digest: str | None = None
    record_id: str | None = None


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
    # The payload as served is not carried: the WARC capture middleware has already written
    # it, and bytes in an item break Scrapy's feed exports (``scrapy crawl portal -O
    # out.jsonl``). Still accepted, and dropped, from callers that pass it.
    raw_html: InitVar[bytes] = b""
    warc: WarcRef | None = None  # where the response record of this capture is
    # Other keys this capture was reached under (a URL variant that the page's canonical
    # link folded into ``article_key``): remembered, so they are never fetched again.
    key_aliases: list[str] = field(default_factory=list)
    # What the listing showed for this article (headline and date, hashed): a change in
    # it on a later walk means an edit (crawler/listing/items.py).
    listing_sig: str | None = None
    # How the fields were extracted: "profile", or "generic (why)" (kept with the version).
    extraction: str = "profile"

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

    def __post_init__(self, raw_html: bytes) -> None:
        pass

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class NotModified:
    """A conditional GET answered 304: the article is still there, unchanged."""

    site: str
    article_key: str
    fetched_url: str
    fetched_at: str
    etag: str | None = None
    last_modified: str | None = None
    warc: WarcRef | None = None
    listing_sig: str | None = None  # as on ArticleRecord


@dataclass
class Gone:
    """An article URL answered 404/410. ``vanished``: it also left the listings (full walk)."""

    site: str
    article_key: str
    fetched_url: str
    fetched_at: str
    http_status: int
    vanished: bool = False
    warc: WarcRef | None = None


@dataclass
class DeadLink:
    """A link that never was an article here: a soft-404 page, or a 404 on first sight."""

    site: str
    article_key: str
    url: str
    reason: str  # http_404 | http_410 | soft_404
    fetched_at: str
