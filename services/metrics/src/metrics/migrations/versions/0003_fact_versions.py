"""Every version of every entity's facts with the registry's commit times: counts as of any past instant.

``fact_versions`` holds one row per applied change: the facts it set, from the
change's commit time (``valid_from``) until the next version's (``valid_to``,
null while current). Filled by the follower from now on; ``ecoreg-metrics
resync`` rebuilds it (and the daily history) from the first change of the feed.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def StringList(length: int):
    return sa.JSON().with_variant(postgresql.ARRAY(sa.String(length)), "postgresql")


def upgrade() -> None:
    op.create_table(
        "fact_versions",
        sa.Column("entity_id", Id, autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", Id, nullable=False),
        sa.Column("valid_from", Timestamp, nullable=False),
        sa.Column("valid_to", Timestamp, nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subtype", sa.String(48), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("district", sa.String(32), nullable=False),
        sa.Column("clusters", StringList(32), nullable=False),
        sa.Column("tracks", StringList(48), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("entity_id", "version", name="pk_fact_versions"),
    )
    op.create_index("ix_fact_versions_valid_from", "fact_versions", ["valid_from"])


def downgrade() -> None:
    op.drop_index("ix_fact_versions_valid_from", table_name="fact_versions")
    op.drop_table("fact_versions")
