"""The follower's stored feed position is its checkpoint (a cursor is the pagination token).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # RENAME COLUMN keeps the row and its value on both backends (SQLite >= 3.25).
    op.execute("ALTER TABLE follower_state RENAME COLUMN cursor TO checkpoint")


def downgrade() -> None:
    op.execute("ALTER TABLE follower_state RENAME COLUMN checkpoint TO cursor")
