"""The registry's vocabulary (kinds, subtypes, tiers, statuses, districts), so filters are checked.

A frozen copy of the registry's vocabulary at this revision, so a fresh database
refuses ``kind=nope`` before the registry is reachable; the follower then keeps
it in step with GET /api/v1/vocabulary (feed/reference.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

KINDS = {
    "enterprise": ("leading", "high_tech", "ecosystem_leading", "startup"),
    "tech_centre": ("enterprise_tech_centre",),
    "lab": ("national_lab", "national_key_lab", "municipal_key_lab"),
    "pilot_zone": ("future_industry_pilot_zone",),
    "park": ("industrial_park", "science_city", "innovation_hub"),
    "innovation_centre": ("future_industry_innovation_centre",),
    "college": ("future_technology_college",),
    "platform": ("rnd_platform", "innovation_consortium", "public_service_platform"),
    "facility": ("hydrogen_station", "computing_centre", "test_site"),
    "scenario": ("future_community", "future_hospital", "future_commerce"),
}
TIERS = ("national", "municipal", "district", "none")
STATUSES = ("planned", "building", "active", "inactive", "closed")
DISTRICTS = (
    "huangpu", "xuhui", "changning", "jingan", "putuo", "hongkou", "yangpu", "minhang",
    "baoshan", "jiading", "pudong", "jinshan", "songjiang", "qingpu", "fengxian", "chongming",
)  # fmt: skip


def upgrade() -> None:
    vocabulary = op.create_table(
        "vocabulary",
        sa.Column("family", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("family", "value", name="pk_vocabulary"),
    )
    rows = [{"family": "kind", "value": k} for k in KINDS]
    rows += [{"family": "subtype", "value": s} for subtypes in KINDS.values() for s in subtypes]
    rows += [{"family": "tier", "value": t} for t in TIERS]
    rows += [{"family": "status", "value": s} for s in STATUSES]
    rows += [{"family": "district", "value": d} for d in DISTRICTS]
    op.bulk_insert(vocabulary, rows)


def downgrade() -> None:
    op.drop_table("vocabulary")
