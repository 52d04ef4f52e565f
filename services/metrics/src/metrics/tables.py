"""The metrics service's tables, all on one MetaData (Alembic's target).

The read model (``entity_facts``) and the counters (``count_cells``) are derived
from the registry's change feed; targets, indicators and official totals are
this service's own data.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text

from ecoreg_common.db import NAMING_CONVENTION
from ecoreg_common.types import BigIntId, JsonDocument, StringList, UTCDateTime

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Reference data, loaded by a migration.
clusters = Table(
    "clusters",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("name_en", String(100), nullable=False),
    Column("name_zh", String(100), nullable=False),
    Column("position", Integer, nullable=False),
)

tracks = Table(
    "tracks",
    metadata,
    Column("key", String(48), primary_key=True),
    Column("cluster_key", String(32), ForeignKey("clusters.key"), nullable=False),
)

# The registry's vocabulary (GET /api/v1/vocabulary), one row per term: family is
# kind, subtype, tier, status or district. Filters are checked against it.
vocabulary = Table(
    "vocabulary",
    metadata,
    Column("family", String(16), primary_key=True),
    Column("value", String(64), primary_key=True),
)

# One row per entity the registry ever had: what it counts as, at which version.
# Retired entities stay (retired = true) so an older change replayed later is
# recognised as old and changes nothing.
entity_facts = Table(
    "entity_facts",
    metadata,
    Column("entity_id", BigIntId, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    Column("subtype", String(48), nullable=False),  # "" when none
    Column("tier", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("district", String(32), nullable=False),  # "" when none
    Column("clusters", StringList(32), nullable=False),
    Column("tracks", StringList(48), nullable=False),
    Column("version", Integer, nullable=False),
    Column("retired", Boolean, nullable=False),
    Column("seq", BigIntId, nullable=False),
)

# Every version of every entity's facts, valid from its change's commit time until
# the next version's (valid_to null while current): counts as of any past instant.
fact_versions = Table(
    "fact_versions",
    metadata,
    Column("entity_id", BigIntId, primary_key=True, autoincrement=False),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigIntId, nullable=False),
    Column("valid_from", UTCDateTime, nullable=False),
    Column("valid_to", UTCDateTime),
    Column("kind", String(32), nullable=False),
    Column("subtype", String(48), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("district", String(32), nullable=False),
    Column("clusters", StringList(32), nullable=False),
    Column("tracks", StringList(48), nullable=False),
    Column("retired", Boolean, nullable=False),
    Index("ix_fact_versions_valid_from", "valid_from"),
    Index("ix_fact_versions_valid_to", "valid_to"),
)

# The counters: how many entities fall in each combination of dimensions. An
# entity adds 1 to the cell with cluster = track = "" (for questions that name
# neither), 1 per cluster, 1 per track, and 1 per (cluster, track of that
# cluster); a question reads only the family it needs, so no entity is counted
# twice and no answer scans entities.
CELL_DIMENSIONS = ("cluster", "track", "kind", "subtype", "tier", "status", "district")
count_cells = Table(
    "count_cells",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    *(Column(name, String(48), nullable=False) for name in CELL_DIMENSIONS),
    Column("count", Integer, nullable=False),
    Index("uq_count_cells_dimensions", *CELL_DIMENSIONS, unique=True),
)

# Keyframes: the counter cells as they stood just before an instant ``at`` (a midnight in
# Asia/Shanghai), derived from ``fact_versions`` exactly as ``as_of`` counts. An answer as of
# T is the nearest keyframe at or before T plus the versions that began or ended since
# (counts/as_of.py), so its cost is one day's changes, not the whole history. Written by
# the follower as it passes a midnight and by ``backfill``; a change applied later whose
# commit time is before a keyframe's ``at`` deletes that keyframe (it would be stale).
keyframes = Table(
    "keyframes",
    metadata,
    Column("at", UTCDateTime, primary_key=True),
    Column("seq", BigIntId, nullable=False),  # the follower's checkpoint when it was written
)

keyframe_cells = Table(
    "keyframe_cells",
    metadata,
    Column("at", UTCDateTime, ForeignKey("keyframes.at", ondelete="CASCADE"), primary_key=True),
    *(Column(name, String(48), primary_key=True) for name in CELL_DIMENSIONS),
    Column("count", Integer, nullable=False),
)

# The follower's position and what it last saw of the registry (one row).
follower_state = Table(
    "follower_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("checkpoint", BigIntId, nullable=False),  # the last feed seq applied
    Column("registry_latest_seq", BigIntId, nullable=False),
    Column("last_success_at", UTCDateTime),
    Column("caught_up_at", UTCDateTime),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    # The registry's commit time of the change at the checkpoint: freshness as a time.
    Column("checkpoint_at", UTCDateTime),
)

# Bumped by every change to targets and observations, so aggregate ETags change with them.
revision = Table(
    "revision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigIntId, nullable=False),
)

# Answers computed once per change of what they depend on (the live summary), keyed by
# ``version`` = checkpoint, revision and day: a read serves ``body`` (JSON text) only
# while its version is the current one, so no process can serve an answer older than
# the data; a stale row is just recomputed and overwritten.
answer_snapshots = Table(
    "answer_snapshots",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("version", String(200), nullable=False),
    Column("body", Text, nullable=False),
)

# How many such entities exist in Shanghai, per official figures: the denominator of coverage.
official_totals = Table(
    "official_totals",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("title_en", String(200), nullable=False),
    Column("title_zh", String(200), nullable=False),
    Column("value", Float, nullable=False),
    Column("as_of", String(10), nullable=False),
    Column("filter", JsonDocument, nullable=False),
)

indicators = Table(
    "indicators",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("title_en", String(200), nullable=False),
    Column("title_zh", String(200), nullable=False),
    Column("unit", String(32), nullable=False),
    Column("frequency", String(16), nullable=False, server_default="annual"),  # annual, quarterly or monthly
    Column("retired_at", UTCDateTime),  # retired indicators keep their observations but take no new targets
)

observations = Table(
    "observations",
    metadata,
    Column("indicator_key", String(64), ForeignKey("indicators.key"), primary_key=True),
    Column("period", String(10), primary_key=True),  # canonical: "2025" (a year, also for 2025-12-31) or "2025-06-30"
    Column("scope", String(32), primary_key=True),  # a cluster key, or "" for Shanghai as a whole
    Column("period_end", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("source", String(64), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

targets = Table(
    "targets",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("title_en", String(200), nullable=False),
    Column("title_zh", String(200), nullable=False),
    Column("cluster", String(32)),
    Column("measure", String(16), nullable=False),  # "count" or "indicator"
    Column("filter", JsonDocument, nullable=False),  # for counts: kind, subtype, tier, cluster, track, status, district
    Column("indicator_key", String(64), ForeignKey("indicators.key")),
    Column("target_value", Float, nullable=False),  # met at this value (the low end of a range)
    Column("target_max", Float),  # the high end of a range such as "3 to 5"
    Column("baseline_value", Float),
    Column("baseline_date", Date),
    Column("deadline", Date, nullable=False),
    Column("unit", String(32), nullable=False),
    Column("direction", String(8), nullable=False),  # "increase" or "decrease"
    Column("note", String(300)),
    # Shown among the plan's headline targets (the dashboard's top row) at this position, 1 first; null: not one.
    Column("headline", Integer),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Every report of an observation, oldest first: a revision by another reporter is
# recorded, not lost. The ``observations`` row of a period is its latest report.
observation_reports = Table(
    "observation_reports",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("indicator_key", String(64), ForeignKey("indicators.key"), nullable=False),
    Column("period", String(10), nullable=False),
    Column("scope", String(32), nullable=False),
    Column("value", Float, nullable=False),
    Column("source", String(64), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_observation_reports_period", "indicator_key", "scope", "period", "id"),
)

# Daily history: the counters and every target as they stood at the end of each day.
cell_snapshots = Table(
    "cell_snapshots",
    metadata,
    Column("day", Date, primary_key=True),
    *(Column(name, String(48), primary_key=True) for name in CELL_DIMENSIONS),
    Column("count", Integer, nullable=False),
)

target_snapshots = Table(
    "target_snapshots",
    metadata,
    Column("day", Date, primary_key=True),
    Column("target_key", String(64), primary_key=True),
    Column("current_value", Float),
    Column("attainment", Float),
    Column("status", String(24), nullable=False),
)
