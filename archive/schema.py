"""Table definitions (SQLAlchemy Core). The single source of truth for the schema.

Alembic migrations in ``archive/migrations/versions`` create exactly these tables; a test
compares the migrated database against this ``metadata`` so the two cannot drift.

Conventions:
- every time is an ISO 8601 string with offset, normalised to Asia/Ho_Chi_Minh (+07:00)
  and second precision, so string order is time order;
- JSON payloads (run stats, attachments) are stored as text, portable to SQLite and
  PostgreSQL alike;
- ``versions`` rows are immutable (append-only); ``articles`` holds only the mutable
  "where is this article now" state (last_seen, status, canonical URL).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

RUN_TRIGGERS = ("manual", "schedule")
ARTICLE_STATUSES = ("live", "removed")

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site", String(100), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40), nullable=True),
    Column("status", String(32), nullable=False),  # running | ok | failed | … (free text)
    Column("stats", Text, nullable=True),  # JSON object
    Column("log_path", Text, nullable=True),
    # 0002: who runs it (a crashed run is found by its dead pid) and how it walked
    Column("pid", Integer, nullable=True),
    Column("host", String(255), nullable=True),
    Column("mode", String(16), nullable=True),  # full | incremental
    # 0003: why a run is unhealthy (JSON list of sentences for operators)
    Column("reasons", Text, nullable=True),
    CheckConstraint("\"trigger\" IN ('manual', 'schedule')", name="trigger"),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site", String(100), nullable=False),
    Column("article_key", String(255), nullable=False),
    Column("canonical_url", Text, nullable=False),
    Column("first_seen", String(40), nullable=False),
    Column("last_seen", String(40), nullable=False),
    Column("status", String(16), nullable=False, server_default="live"),
    Column("removed_at", String(40), nullable=True),
    # 0002: crawl state, a cache of the captures log (which stays the record of truth)
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("last_checked", String(40), nullable=True),
    Column("gone_count", Integer, nullable=False, server_default="0"),
    # 0007: what the listing last showed for the article (its headline and date, hashed)
    Column("listing_sig", String(40), nullable=True),
    UniqueConstraint("site", "article_key"),
    CheckConstraint("status IN ('live', 'removed')", name="status"),
)

aliases = Table(
    "aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "article_id",
        Integer,
        ForeignKey("articles.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    Column("url", Text, nullable=False, unique=True),
    Column("first_seen", String(40), nullable=False),
)

versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="RESTRICT"), nullable=False),
    Column("number", Integer, nullable=False),  # 1, 2, … per article, no gaps
    Column(
        "run_id", Integer, ForeignKey("runs.id", ondelete="RESTRICT"), nullable=True, index=True
    ),
    Column("fetched_at", String(40), nullable=False),
    Column("content_hash", String(64), nullable=False, index=True),
    # the extracted content fields (ArticleRecord.CONTENT_FIELDS) + body_html
    Column("title", Text, nullable=False),
    Column("date", String(10), nullable=True),
    Column("datetime", String(40), nullable=True),
    Column("author", Text, nullable=True),
    Column("source", Text, nullable=True),
    Column("summary", Text, nullable=True),
    Column("body", Text, nullable=False),
    Column("body_html", Text, nullable=False, server_default=""),
    Column("category", Text, nullable=True),
    Column("attachments", Text, nullable=False, server_default="[]"),  # JSON list
    # capture metadata (not part of the content hash)
    Column("http_status", Integer, nullable=True),
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("fetched_url", Text, nullable=True),
    Column("warc_file", Text, nullable=True),  # filled by the WARC writer (later issue)
    Column("warc_offset", Integer, nullable=True),
    # 0002: the WARC record's length and payload digest, and the near-dup signature
    Column("warc_length", Integer, nullable=True),
    Column("payload_digest", Text, nullable=True),
    Column("minhash", LargeBinary, nullable=True),
    # 0005: the cleaned body HTML, zstd-compressed (archive/blobs.py); body_html stays for
    # rows written before
    Column("body_html_zst", LargeBinary, nullable=True),
    # 0007: how the fields were extracted: "profile", or "generic (…why…)"
    Column("extraction", String(200), nullable=True),
    UniqueConstraint("article_id", "number"),
    CheckConstraint("number >= 1", name="number_positive"),
)

Index("ix_articles_site_status", articles.c.site, articles.c.status)

# 0002 ---------------------------------------------------------------------------------

CAPTURE_OUTCOMES = ("new", "updated", "unchanged", "not_modified", "gone", "alias")

# Every fetch of an article, whatever came of it: the append-only log that last_seen,
# removals and revisit records are derived from.
captures = Table(
    "captures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="RESTRICT"), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="RESTRICT"), nullable=True),
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="RESTRICT"), nullable=True),
    Column("fetched_at", String(40), nullable=False),
    Column("fetched_url", Text, nullable=False),
    Column("http_status", Integer, nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("warc_file", Text, nullable=True),
    Column("warc_offset", Integer, nullable=True),
    Column("warc_length", Integer, nullable=True),
    Column("payload_digest", Text, nullable=True),
    CheckConstraint(
        "outcome IN ('new', 'updated', 'unchanged', 'not_modified', 'gone', 'alias')",
        name="outcome",
    ),
)
Index("ix_captures_article_id", captures.c.article_id)
Index("ix_captures_run_id", captures.c.run_id)

# Links that never were an article: 404 on first sight, or a soft-404 page. Remembered so
# an incremental crawl does not fetch them again every run.
dead_links = Table(
    "dead_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site", String(100), nullable=False),
    Column("article_key", String(255), nullable=False),
    Column("url", Text, nullable=False),
    Column("reason", String(32), nullable=False),  # http_404 | http_410 | soft_404
    Column("first_seen", String(40), nullable=False),
    Column("last_checked", String(40), nullable=False),
    Column("times", Integer, nullable=False, server_default="1"),
    UniqueConstraint("site", "article_key"),
)

# Another key of the same site that served exactly the content of an existing article
# (the same page published under a second ItemID): an alias, not a second article.
key_aliases = Table(
    "key_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site", String(100), nullable=False),
    Column("article_key", String(255), nullable=False),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="RESTRICT"), nullable=False),
    Column("first_seen", String(40), nullable=False),
    UniqueConstraint("site", "article_key"),
)

# Near-duplicate versions (MinHash, see archive/neardup.py): linked, never merged.
near_duplicates = Table(
    "near_duplicates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="RESTRICT"), nullable=False),
    Column(
        "other_version_id", Integer, ForeignKey("versions.id", ondelete="RESTRICT"), nullable=False
    ),
    Column("similarity", Float, nullable=False),
    Column("found_at", String(40), nullable=False),
    UniqueConstraint("version_id", "other_version_id"),
)
# The other side of a link (0012): an article's links are looked up from both sides.
Index("ix_near_duplicates_other_version_id", near_duplicates.c.other_version_id)

# 0003 ---------------------------------------------------------------------------------

# One row per site while a crawl of it runs: never two runs of a site at once, even with
# two schedulers (or a scheduler and a person) on one archive. A lease whose holder died
# on this host is taken over at once; one held elsewhere only once it expires.
leases = Table(
    "leases",
    metadata,
    Column("site", String(100), primary_key=True),
    Column("holder", String(255), nullable=False),  # host:pid
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("acquired_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)

# 0004 ---------------------------------------------------------------------------------

# Who publishes a site (from its profile), so search can filter by province/department.
# Upserted by ``Archive.upsert_site``; a site missing here just has no province/department.
sites = Table(
    "sites",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", Text, nullable=True),
    Column("province", Text, nullable=True),
    Column("department", Text, nullable=True),
)

# One row per version, the filterable side of the full-text index (archive/search.py):
# its id is the rowid of the two FTS5 tables ``search_folded`` / ``search_exact``, which
# are SQLite virtual tables created by migration 0004, deliberately not in this metadata.
# Text itself is never copied: snippets are cut from ``versions``. Like versions, rows
# are only added; ``is_current`` moves to the newest version of an article.
search_docs = Table(
    "search_docs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="RESTRICT"), nullable=False),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="RESTRICT"), nullable=False),
    Column("is_current", Integer, nullable=False),  # 1 on the article's newest version
    Column("site", String(100), nullable=False),
    Column("date", String(10), nullable=True),
    Column("author_folded", Text, nullable=True),  # archive.fold.fold(author)
    Column("category_folded", Text, nullable=True),
    UniqueConstraint("version_id"),
)
Index("ix_search_docs_article_id", search_docs.c.article_id)
Index("ix_search_docs_current_date", search_docs.c.is_current, search_docs.c.date)

# 0008 ---------------------------------------------------------------------------------

# Files an article links to (pdf, doc(x), xls(x), odt) fetched by the crawl
# (archive/attachments.py). One row per (site, URL): a file several articles link to is
# kept once. ``note`` says why the last fetch stored nothing (too large, gone, failed).
attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site", String(100), nullable=False),
    Column("url", Text, nullable=False),
    Column("first_seen", String(40), nullable=False),
    Column("last_seen", String(40), nullable=True),  # the last 200 or 304
    Column("last_checked", String(40), nullable=True),  # the last fetch, whatever came of it
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("note", Text, nullable=True),
    UniqueConstraint("site", "url"),
)

# Like ``versions``: immutable, version n+1 only when the file's bytes (sha256) change. The
# payload stays in the WARC (the pointer); the extracted text is kept here for search.
attachment_versions = Table(
    "attachment_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "attachment_id",
        Integer,
        ForeignKey("attachments.id", ondelete="RESTRICT"),
        nullable=False,
    ),
    Column("number", Integer, nullable=False),
    Column(
        "run_id", Integer, ForeignKey("runs.id", ondelete="RESTRICT"), nullable=True, index=True
    ),
    Column("fetched_at", String(40), nullable=False),
    Column("fetched_url", Text, nullable=False),
    Column("http_status", Integer, nullable=True),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content_type", String(200), nullable=True),  # as the server said
    Column("filename", Text, nullable=False),
    Column("kind", String(16), nullable=True),  # pdf | docx | xlsx | odt | doc | xls (sniffed)
    Column("text", Text, nullable=True),  # NFC, bounded (crawler/extract/filetext.py)
    Column("text_status", String(32), nullable=False),  # ok | truncated | empty | failed | …
    Column("text_note", Text, nullable=True),
    Column("warc_file", Text, nullable=True),
    Column("warc_offset", Integer, nullable=True),
    Column("warc_length", Integer, nullable=True),
    Column("payload_digest", Text, nullable=True),
    UniqueConstraint("attachment_id", "number"),
    CheckConstraint("number >= 1", name="number_positive"),
)

# Which article links to which file (first seen when): many to many.
article_attachments = Table(
    "article_attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="RESTRICT"), nullable=False),
    Column(
        "attachment_id",
        Integer,
        ForeignKey("attachments.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    Column("first_seen", String(40), nullable=False),
    UniqueConstraint("article_id", "attachment_id"),
)
