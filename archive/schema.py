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
    ForeignKey,
    Index,
    Integer,
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
    UniqueConstraint("article_id", "number"),
    CheckConstraint("number >= 1", name="number_positive"),
)

Index("ix_articles_site_status", articles.c.site, articles.c.status)
