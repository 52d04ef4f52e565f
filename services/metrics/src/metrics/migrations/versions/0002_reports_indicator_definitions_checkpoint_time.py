"""Every observation report kept, indicators defined through the API, the checkpoint's commit time.

- ``observation_reports``: one row per report (value, reporter, time); the
  ``observations`` row of a period is its latest report. Existing observations
  become their first report.
- Periods are canonical: a date on 31 December is the year (``2026-12-31`` ->
  ``2026``); where both forms were stored, the later-recorded one is kept as the
  latest report and both stay in the reports.
- ``indicators.frequency`` (annual, quarterly, monthly) and ``retired_at``.
- ``follower_state.checkpoint_at``: the registry's commit time of the last change
  applied, so freshness can be told as a time.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    reports = op.create_table(
        "observation_reports",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("indicator_key", sa.String(64), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("recorded_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["indicator_key"], ["indicators.key"], name="fk_observation_reports_indicator_key_indicators"),
        sa.PrimaryKeyConstraint("id", name="pk_observation_reports"),
    )
    op.create_index("ix_observation_reports_period", "observation_reports", ["indicator_key", "scope", "period", "id"])
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("frequency", sa.String(16), nullable=False, server_default="annual"))
        batch.add_column(sa.Column("retired_at", Timestamp, nullable=True))
    with op.batch_alter_table("follower_state") as batch:
        batch.add_column(sa.Column("checkpoint_at", Timestamp, nullable=True))

    bind = op.get_bind()
    observations = sa.table(
        "observations",
        sa.column("indicator_key"),
        sa.column("period"),
        sa.column("scope"),
        sa.column("value"),
        sa.column("source"),
        sa.column("recorded_at"),
    )
    canonical = sa.case((observations.c.period.like("%-12-31"), sa.func.substr(observations.c.period, 1, 4)), else_=observations.c.period)
    bind.execute(
        sa.insert(reports).from_select(
            ["indicator_key", "period", "scope", "value", "source", "recorded_at"],
            sa.select(
                observations.c.indicator_key,
                canonical,
                observations.c.scope,
                observations.c.value,
                observations.c.source,
                observations.c.recorded_at,
            ).order_by(observations.c.recorded_at),
        )
    )
    rows = bind.execute(sa.select(observations).order_by(observations.c.recorded_at)).all()
    kept: dict[tuple, object] = {}
    for row in rows:
        period = row.period[:4] if row.period.endswith("-12-31") else row.period
        kept[(row.indicator_key, period, row.scope)] = row  # later-recorded rows win
    for row in rows:
        period = row.period[:4] if row.period.endswith("-12-31") else row.period
        if period == row.period:
            continue
        identity = (observations.c.indicator_key == row.indicator_key, observations.c.scope == row.scope)
        if kept[(row.indicator_key, period, row.scope)] is row:
            # The date form was recorded last: it becomes the year (the same period end).
            bind.execute(sa.delete(observations).where(*identity, observations.c.period == period))
            bind.execute(sa.update(observations).where(*identity, observations.c.period == row.period).values(period=period))
        else:
            bind.execute(sa.delete(observations).where(*identity, observations.c.period == row.period))


def downgrade() -> None:
    with op.batch_alter_table("follower_state") as batch:
        batch.drop_column("checkpoint_at")
    with op.batch_alter_table("indicators") as batch:
        batch.drop_column("retired_at")
        batch.drop_column("frequency")
    op.drop_index("ix_observation_reports_period", table_name="observation_reports")
    op.drop_table("observation_reports")
