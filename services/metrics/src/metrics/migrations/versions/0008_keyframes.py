"""Keyframes of the counter cells, so ``as_of`` costs one day's changes rather than the whole history.

``keyframes`` / ``keyframe_cells`` hold the counter cells as they stood just
before an instant (a midnight in Asia/Shanghai), derived from ``fact_versions``;
an answer as of T is the nearest keyframe at or before T plus the versions that
began or ended since. The follower writes one as it passes a midnight and
``ecoreg-metrics backfill`` (and ``resync``) writes one per past day with
changes; until then ``as_of`` rebuilds from every version, as before. The index
on ``fact_versions.valid_to`` finds the versions that ended since a keyframe.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
DIMENSIONS = ("cluster", "track", "kind", "subtype", "tier", "status", "district")


def upgrade() -> None:
    op.create_index("ix_fact_versions_valid_to", "fact_versions", ["valid_to"])
    op.create_table(
        "keyframes",
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("seq", Id, nullable=False),
        sa.PrimaryKeyConstraint("at", name="pk_keyframes"),
    )
    op.create_table(
        "keyframe_cells",
        sa.Column("at", Timestamp, nullable=False),
        *(sa.Column(name, sa.String(48), nullable=False) for name in DIMENSIONS),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["at"], ["keyframes.at"], name="fk_keyframe_cells_at_keyframes", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("at", *DIMENSIONS, name="pk_keyframe_cells"),
    )


def downgrade() -> None:
    op.drop_table("keyframe_cells")
    op.drop_table("keyframes")
    op.drop_index("ix_fact_versions_valid_to", table_name="fact_versions")
