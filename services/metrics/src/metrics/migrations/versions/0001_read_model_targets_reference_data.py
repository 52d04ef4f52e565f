"""The read model, counters, targets, indicators, history, and the plan's reference data.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Reference data is from the report on Shanghai's action plan for future-industry
clusters (press conference of 2022-11-23; ../shared/DOMAIN.md), frozen here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Timestamp = sa.DateTime(timezone=True)
DIMENSIONS = ("cluster", "track", "kind", "subtype", "tier", "status", "district")
PLAN_DATE = date(2022, 11, 23)
UNDER_WAY = ["active", "building"]


def StringList(length: int):
    """text[] on PostgreSQL, a JSON array on SQLite (as ecoreg_common.types.StringList stores it)."""
    return sa.JSON().with_variant(postgresql.ARRAY(sa.String(length)), "postgresql")


CLUSTERS = [
    ("health", "Future health", "未来健康"),
    ("intelligence", "Future intelligence", "未来智能"),
    ("energy", "Future energy", "未来能源"),
    ("space", "Future space", "未来空间"),
    ("materials", "Future materials", "未来材料"),
]
TRACKS = {
    "health": ["brain_computer_interface", "biosafety", "synthetic_biology", "gene_cell_therapy"],
    "intelligence": ["intelligent_computing", "general_ai", "extended_reality", "quantum", "6g"],
    "energy": ["advanced_nuclear", "energy_storage", "hydrogen"],
    "space": ["deep_sea", "aerospace"],
    "materials": ["membranes", "composites", "superconductors", "graphene"],
}

OFFICIAL_TOTALS = [
    (
        "national_tech_centres",
        "National-level enterprise technology centres",
        "国家级企业技术中心",
        93,
        "2022",
        {"kind": "tech_centre", "tier": "national"},
    ),
    (
        "municipal_tech_centres",
        "Municipal-level enterprise technology centres",
        "市级企业技术中心",
        841,
        "2022",
        {"kind": "tech_centre", "tier": "municipal"},
    ),
    ("high_tech_enterprises", "High-tech enterprises", "高新技术企业", 20000, "2022", {"kind": "enterprise", "subtype": "high_tech"}),
]

INDICATORS = [
    ("future_industry_output", "Future-industry output value", "未来产业产值", "billion CNY"),
    ("fuel_cell_vehicles", "Fuel-cell vehicles in use", "燃料电池汽车保有量", "vehicles"),
    ("hydrogen_chain_scale", "Hydrogen industry-chain scale", "氢能产业链产业规模", "billion CNY"),
    ("ai_industry_scale", "AI industry scale", "人工智能产业规模", "billion CNY"),
]

# key, English, Chinese, cluster, measure, filter or indicator, target, target_max, baseline, baseline date, deadline, unit, note
TARGETS = [
    (
        "future_industry_output",
        "Future-industry output value of about 500 billion yuan",
        "未来产业产值达到5000亿元左右",
        None,
        "indicator",
        "future_industry_output",
        500,
        None,
        None,
        None,
        date(2030, 12, 31),
        "billion CNY",
        "whole programme",
    ),
    (
        "future_technology_colleges",
        "About 5 future technology colleges",
        "建设5家左右未来技术学院",
        None,
        "count",
        {"kind": "college", "subtype": "future_technology_college", "status": UNDER_WAY},
        5,
        None,
        0,
        PLAN_DATE,
        date(2030, 12, 31),
        "colleges",
        None,
    ),
    (
        "innovation_centres",
        "About 15 future-industry innovation centres",
        "培育15家左右未来产业创新中心",
        None,
        "count",
        {"kind": "innovation_centre", "status": UNDER_WAY},
        15,
        None,
        0,
        PLAN_DATE,
        date(2030, 12, 31),
        "centres",
        None,
    ),
    (
        "pilot_zones",
        "About 15 future-industry pilot zones",
        "打造15个左右未来产业先导区",
        None,
        "count",
        {"kind": "pilot_zone", "status": UNDER_WAY},
        15,
        None,
        3,
        PLAN_DATE,
        date(2030, 12, 31),
        "zones",
        "3 under way at the time of the report",
    ),
    (
        "hydrogen_stations",
        "About 70 hydrogen refuelling stations",
        "建成加氢站70座左右",
        "energy",
        "count",
        {"kind": "facility", "subtype": "hydrogen_station", "status": UNDER_WAY},
        70,
        None,
        None,
        None,
        date(2025, 12, 31),
        "stations",
        None,
    ),
    (
        "hydrogen_rnd_platforms",
        "3 to 5 international first-class hydrogen R&D platforms",
        "建设3-5家国际一流的氢能研发平台",
        "energy",
        "count",
        {"kind": "platform", "subtype": "rnd_platform", "track": "hydrogen", "status": UNDER_WAY},
        3,
        5,
        None,
        None,
        date(2025, 12, 31),
        "platforms",
        "a range: met at 3",
    ),
    (
        "fuel_cell_vehicles",
        "Over 10,000 fuel-cell vehicles in use",
        "燃料电池汽车保有量突破1万辆",
        "energy",
        "indicator",
        "fuel_cell_vehicles",
        10000,
        None,
        None,
        None,
        date(2025, 12, 31),
        "vehicles",
        None,
    ),
    (
        "hydrogen_chain_scale",
        "Hydrogen industry chain over 100 billion yuan",
        "氢能产业链产业规模突破1000亿元",
        "energy",
        "indicator",
        "hydrogen_chain_scale",
        100,
        None,
        None,
        None,
        date(2025, 12, 31),
        "billion CNY",
        None,
    ),
]


def upgrade() -> None:
    clusters = op.create_table(
        "clusters",
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("name_zh", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_clusters"),
    )
    tracks = op.create_table(
        "tracks",
        sa.Column("key", sa.String(48), nullable=False),
        sa.Column("cluster_key", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["cluster_key"], ["clusters.key"], name="fk_tracks_cluster_key_clusters"),
        sa.PrimaryKeyConstraint("key", name="pk_tracks"),
    )
    op.create_table(
        "entity_facts",
        sa.Column("entity_id", Id, autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subtype", sa.String(48), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("district", sa.String(32), nullable=False),
        sa.Column("clusters", StringList(32), nullable=False),
        sa.Column("tracks", StringList(48), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("seq", Id, nullable=False),
        sa.PrimaryKeyConstraint("entity_id", name="pk_entity_facts"),
    )
    op.create_table(
        "count_cells",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        *(sa.Column(name, sa.String(48), nullable=False) for name in DIMENSIONS),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_count_cells"),
    )
    op.create_index("uq_count_cells_dimensions", "count_cells", list(DIMENSIONS), unique=True)
    follower_state = op.create_table(
        "follower_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cursor", Id, nullable=False),
        sa.Column("registry_latest_seq", Id, nullable=False),
        sa.Column("last_success_at", Timestamp, nullable=True),
        sa.Column("caught_up_at", Timestamp, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_follower_state"),
    )
    revision_table = op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", Id, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_revision"),
    )
    official_totals = op.create_table(
        "official_totals",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("filter", Json, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_official_totals"),
    )
    indicators = op.create_table(
        "indicators",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_indicators"),
    )
    observations = op.create_table(
        "observations",
        sa.Column("indicator_key", sa.String(64), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("recorded_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["indicator_key"], ["indicators.key"], name="fk_observations_indicator_key_indicators"),
        sa.PrimaryKeyConstraint("indicator_key", "period", "scope", name="pk_observations"),
    )
    targets = op.create_table(
        "targets",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("cluster", sa.String(32), nullable=True),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("filter", Json, nullable=False),
        sa.Column("indicator_key", sa.String(64), nullable=True),
        sa.Column("target_value", sa.Float(), nullable=False),
        sa.Column("target_max", sa.Float(), nullable=True),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("baseline_date", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("note", sa.String(300), nullable=True),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["indicator_key"], ["indicators.key"], name="fk_targets_indicator_key_indicators"),
        sa.PrimaryKeyConstraint("key", name="pk_targets"),
    )
    op.create_table(
        "cell_snapshots",
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.String(48), nullable=False) for name in DIMENSIONS),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", *DIMENSIONS, name="pk_cell_snapshots"),
    )
    op.create_table(
        "target_snapshots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("target_key", sa.String(64), nullable=False),
        sa.Column("current_value", sa.Float(), nullable=True),
        sa.Column("attainment", sa.Float(), nullable=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.PrimaryKeyConstraint("day", "target_key", name="pk_target_snapshots"),
    )

    now = datetime.now(UTC)
    op.bulk_insert(clusters, [{"key": k, "name_en": en, "name_zh": zh, "position": i} for i, (k, en, zh) in enumerate(CLUSTERS)])
    op.bulk_insert(tracks, [{"key": t, "cluster_key": c} for c, keys in TRACKS.items() for t in keys])
    op.bulk_insert(follower_state, [{"id": 1, "cursor": 0, "registry_latest_seq": 0}])
    op.bulk_insert(revision_table, [{"id": 1, "value": 1}])
    op.bulk_insert(
        official_totals,
        [{"key": k, "title_en": en, "title_zh": zh, "value": v, "as_of": a, "filter": f} for k, en, zh, v, a, f in OFFICIAL_TOTALS],
    )
    op.bulk_insert(indicators, [{"key": k, "title_en": en, "title_zh": zh, "unit": u} for k, en, zh, u in INDICATORS])
    op.bulk_insert(
        observations,
        [
            {
                "indicator_key": "ai_industry_scale",
                "period": "2021",
                "scope": "intelligence",
                "period_end": date(2021, 12, 31),
                "value": 305.7,
                "source": "action-plan-report",
                "recorded_at": now,
            }
        ],
    )
    op.bulk_insert(
        targets,
        [
            {
                "key": key,
                "title_en": en,
                "title_zh": zh,
                "cluster": cluster,
                "measure": measure,
                "filter": what if measure == "count" else {},
                "indicator_key": what if measure == "indicator" else None,
                "target_value": value,
                "target_max": value_max,
                "baseline_value": baseline,
                "baseline_date": baseline_date,
                "deadline": deadline,
                "unit": unit,
                "direction": "increase",
                "note": note,
                "updated_at": now,
            }
            for key, en, zh, cluster, measure, what, value, value_max, baseline, baseline_date, deadline, unit, note in TARGETS
        ],
    )


def downgrade() -> None:
    for table in (
        "target_snapshots",
        "cell_snapshots",
        "targets",
        "observations",
        "indicators",
        "official_totals",
        "revision",
        "follower_state",
        "count_cells",
        "entity_facts",
        "tracks",
        "clusters",
    ):
        op.drop_table(table)
