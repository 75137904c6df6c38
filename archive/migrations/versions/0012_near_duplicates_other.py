"""Near-duplicate links found from either side: an index on ``other_version_id``

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

A link is stored once, (version, other version), and an article page looks for the links
of its versions on both sides. The unique (version_id, other_version_id) constraint
served the first side; the second was a scan of every link in the archive, on every
article page, for the direct near-duplicates and again for the cluster
(archive/history.py ``near_duplicate_cluster``).
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NAME = "ix_near_duplicates_other_version_id"


def upgrade() -> None:
    # IF NOT EXISTS (both dialects): an archive whose revision was set back is migrated
    # again over what it has
    op.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON near_duplicates (other_version_id)")


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {NAME}")
