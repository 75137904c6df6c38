"""captures log, crawl state, dead links, key aliases, near-duplicates, WARC digests

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Adds only nullable columns or columns with a server default to existing tables (plain
ALTER TABLE ADD COLUMN on SQLite and PostgreSQL alike) and new tables with their
constraints; nothing existing is rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("pid", sa.Integer, nullable=True))
    op.add_column("runs", sa.Column("host", sa.String(255), nullable=True))
    op.add_column("runs", sa.Column("mode", sa.String(16), nullable=True))
    op.add_column("articles", sa.Column("etag", sa.Text, nullable=True))
    op.add_column("articles", sa.Column("last_modified", sa.Text, nullable=True))
    op.add_column("articles", sa.Column("last_checked", sa.String(40), nullable=True))
    op.add_column(
        "articles", sa.Column("gone_count", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column("versions", sa.Column("warc_length", sa.Integer, nullable=True))
    op.add_column("versions", sa.Column("payload_digest", sa.Text, nullable=True))
    op.add_column("versions", sa.Column("minhash", sa.LargeBinary, nullable=True))

    op.create_table(
        "captures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("run_id", sa.Integer, nullable=True),
        sa.Column("version_id", sa.Integer, nullable=True),
        sa.Column("fetched_at", sa.String(40), nullable=False),
        sa.Column("fetched_url", sa.Text, nullable=False),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("warc_file", sa.Text, nullable=True),
        sa.Column("warc_offset", sa.Integer, nullable=True),
        sa.Column("warc_length", sa.Integer, nullable=True),
        sa.Column("payload_digest", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_captures")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_captures_article_id_articles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_captures_run_id_runs"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_captures_version_id_versions"),
            ondelete="RESTRICT",
        ),
        sa.CheckConstraint(
            "outcome IN ('new', 'updated', 'unchanged', 'not_modified', 'gone', 'alias')",
            name=op.f("ck_captures_outcome"),
        ),
    )
    op.create_index(op.f("ix_captures_article_id"), "captures", ["article_id"])
    op.create_index(op.f("ix_captures_run_id"), "captures", ["run_id"])
    op.create_table(
        "dead_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("article_key", sa.String(255), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("first_seen", sa.String(40), nullable=False),
        sa.Column("last_checked", sa.String(40), nullable=False),
        sa.Column("times", sa.Integer, nullable=False, server_default="1"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_links")),
        sa.UniqueConstraint("site", "article_key", name=op.f("uq_dead_links_site_article_key")),
    )
    op.create_table(
        "key_aliases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("article_key", sa.String(255), nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_aliases")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_key_aliases_article_id_articles"),
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("site", "article_key", name=op.f("uq_key_aliases_site_article_key")),
    )
    op.create_table(
        "near_duplicates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("other_version_id", sa.Integer, nullable=False),
        sa.Column("similarity", sa.Float, nullable=False),
        sa.Column("found_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_near_duplicates")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_near_duplicates_version_id_versions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["other_version_id"],
            ["versions.id"],
            name=op.f("fk_near_duplicates_other_version_id_versions"),
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint(
            "version_id",
            "other_version_id",
            name=op.f("uq_near_duplicates_version_id_other_version_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("near_duplicates")
    op.drop_table("key_aliases")
    op.drop_table("dead_links")
    op.drop_index(op.f("ix_captures_run_id"), table_name="captures")
    op.drop_index(op.f("ix_captures_article_id"), table_name="captures")
    op.drop_table("captures")
    for table, column in (
        ("versions", "minhash"),
        ("versions", "payload_digest"),
        ("versions", "warc_length"),
        ("articles", "gone_count"),
        ("articles", "last_checked"),
        ("articles", "last_modified"),
        ("articles", "etag"),
        ("runs", "mode"),
        ("runs", "host"),
        ("runs", "pid"),
    ):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
