"""attachments, attachment_versions, article_attachments

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

Files an article links to (pdf, doc(x), xls(x), odt) are fetched by the crawl, kept in the
WARC and versioned by their bytes; their extracted text is searched with the article
(archive/attachments.py). New tables only: existing rows are untouched, and an archive
migrated from 0007 simply has no attachments until its next crawl.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("first_seen", sa.String(40), nullable=False),
        sa.Column("last_seen", sa.String(40), nullable=True),
        sa.Column("last_checked", sa.String(40), nullable=True),
        sa.Column("etag", sa.Text, nullable=True),
        sa.Column("last_modified", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("site", "url", name=op.f("uq_attachments_site_url")),
    )
    op.create_table(
        "attachment_versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("attachment_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("run_id", sa.Integer, nullable=True),
        sa.Column("fetched_at", sa.String(40), nullable=False),
        sa.Column("fetched_url", sa.Text, nullable=False),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(200), nullable=True),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("text_status", sa.String(32), nullable=False),
        sa.Column("text_note", sa.Text, nullable=True),
        sa.Column("warc_file", sa.Text, nullable=True),
        sa.Column("warc_offset", sa.Integer, nullable=True),
        sa.Column("warc_length", sa.Integer, nullable=True),
        sa.Column("payload_digest", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_versions")),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_attachment_versions_attachment_id_attachments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_attachment_versions_run_id_runs"),
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint(
            "attachment_id", "number", name=op.f("uq_attachment_versions_attachment_id_number")
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_attachment_versions_number_positive")),
    )
    op.create_index("ix_attachment_versions_run_id", "attachment_versions", ["run_id"])
    op.create_table(
        "article_attachments",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("attachment_id", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_attachments")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_attachments_article_id_articles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_article_attachments_attachment_id_attachments"),
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint(
            "article_id",
            "attachment_id",
            name=op.f("uq_article_attachments_article_id_attachment_id"),
        ),
    )
    op.create_index(
        "ix_article_attachments_attachment_id", "article_attachments", ["attachment_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_article_attachments_attachment_id", table_name="article_attachments")
    op.drop_table("article_attachments")
    op.drop_index("ix_attachment_versions_run_id", table_name="attachment_versions")
    op.drop_table("attachment_versions")
    op.drop_table("attachments")
