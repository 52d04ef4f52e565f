"""Targets say whether they are among the plan's headline targets (``headline``: their position, 1 first).

The dashboard showed six targets on its top row from a list of keys written in
the gateway; the targets now carry it, and an admin changes it with
PUT /api/v1/targets/{key}. The six are flagged here in the order the plan
states them (frozen migration data: the keys of 0001's targets).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

HEADLINE = (
    "future_industry_output",
    "pilot_zones",
    "innovation_centres",
    "future_technology_colleges",
    "hydrogen_stations",
    "fuel_cell_vehicles",
)


def upgrade() -> None:
    op.add_column("targets", sa.Column("headline", sa.Integer(), nullable=True))
    targets = sa.table("targets", sa.column("key", sa.String), sa.column("headline", sa.Integer))
    for position, key in enumerate(HEADLINE, start=1):
        op.execute(targets.update().where(targets.c.key == key).values(headline=position))


def downgrade() -> None:
    with op.batch_alter_table("targets") as batch:
        batch.drop_column("headline")
