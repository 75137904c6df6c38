"""initial archive schema: runs, articles, aliases, versions

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written out explicitly (not ``metadata.create_all``) so this migration stays frozen when
``archive/schema.py`` evolves; ``tests/test_archive_store.py`` checks that the migrated
schema equals ``archive.schema.metadata`` (columns, constraints, names, indexes).
Constraint and index names are given in full with ``op.f()``, exempt from the naming
convention, which would otherwise prefix them twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("stats", sa.Text, nullable=True),
        sa.Column("log_path", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.CheckConstraint("\"trigger\" IN ('manual', 'schedule')", name=op.f("ck_runs_trigger")),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("article_key", sa.String(255), nullable=False),
        sa.Column("canonical_url", sa.Text, nullable=False),
        sa.Column("first_seen", sa.String(40), nullable=False),
        sa.Column("last_seen", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="live"),
        sa.Column("removed_at", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("site", "article_key", name=op.f("uq_articles_site_article_key")),
        sa.CheckConstraint("status IN ('live', 'removed')", name=op.f("ck_articles_status")),
    )
    op.create_index(op.f("ix_articles_site_status"), "articles", ["site", "status"])
    op.create_table(
        "aliases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("first_seen", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aliases")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_aliases_article_id_articles"),
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("url", name=op.f("uq_aliases_url")),
    )
    op.create_index(op.f("ix_aliases_article_id"), "aliases", ["article_id"])
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("run_id", sa.Integer, nullable=True),
        sa.Column("fetched_at", sa.String(40), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("date", sa.String(10), nullable=True),
        sa.Column("datetime", sa.String(40), nullable=True),
        sa.Column("author", sa.Text, nullable=True),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("summary", sa.Text, nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text, nullable=False, server_default=""),
        sa.Column("category", sa.Text, nullable=True),
        sa.Column("attachments", sa.Text, nullable=False, server_default="[]"),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("etag", sa.Text, nullable=True),
        sa.Column("last_modified", sa.Text, nullable=True),
        sa.Column("fetched_url", sa.Text, nullable=True),
        sa.Column("warc_file", sa.Text, nullable=True),
        sa.Column("warc_offset", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_versions_article_id_articles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_versions_run_id_runs"), ondelete="RESTRICT"
        ),
        sa.UniqueConstraint("article_id", "number", name=op.f("uq_versions_article_id_number")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_versions_number_positive")),
    )
    op.create_index(op.f("ix_versions_run_id"), "versions", ["run_id"])
    op.create_index(op.f("ix_versions_content_hash"), "versions", ["content_hash"])


def downgrade() -> None:
    op.drop_table("versions")
    op.drop_table("aliases")
    op.drop_index(op.f("ix_articles_site_status"), table_name="articles")
    op.drop_table("articles")
    op.drop_table("runs")
