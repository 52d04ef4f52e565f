"""Entities, the change log, idempotency keys, and the clusters and tracks.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

The clusters and tracks are the reference data of Shanghai's action plan for
future-industry clusters (press conference of 2022-11-23), frozen here as a
migration should be: later changes to the reference data come as new revisions.
"""

from __future__ import annotations

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
LIVE = sa.text("retired_at IS NULL")


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

# (key, cluster, English, Chinese, note)
TRACKS = [
    ("brain_computer_interface", "health", "Brain-computer interface", "脑机接口", None),
    ("biosafety", "health", "Biosafety", "生物安全", None),
    ("synthetic_biology", "health", "Synthetic biology", "合成生物", None),
    ("gene_cell_therapy", "health", "Gene and cell therapy", "基因和细胞治疗", None),
    ("intelligent_computing", "intelligence", "Intelligent computing", "智能计算", None),
    ("general_ai", "intelligence", "General AI", "通用AI", None),
    ("extended_reality", "intelligence", "Extended reality (XR)", "扩展现实(XR)", None),
    ("quantum", "intelligence", "Quantum technology", "量子科技", None),
    ("6g", "intelligence", "6G", "6G", None),
    ("advanced_nuclear", "energy", "Advanced nuclear", "先进核能", None),
    ("energy_storage", "energy", "New energy storage", "新型储能", None),
    ("hydrogen", "energy", "Hydrogen", "氢能", None),
    ("deep_sea", "space", "Deep-sea exploration and mining", "深海探采", None),
    (
        "aerospace",
        "space",
        "Aerospace utilisation",
        "空天利用",
        "polar ships and offshore equipment, heavy icebreakers, high-ice-class LNG carriers, manned electric VTOL aircraft",
    ),
    ("membranes", "materials", "High-end membrane materials", "高端膜材料", None),
    ("composites", "materials", "High-performance composites", "高性能复合材料", "carbon fibre chain"),
    ("superconductors", "materials", "High-temperature superconductors", "高温超导", None),
    ("graphene", "materials", "Graphene", "石墨烯", None),
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
        sa.Column("name_en", sa.String(150), nullable=False),
        sa.Column("name_zh", sa.String(100), nullable=False),
        sa.Column("note", sa.String(300), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cluster_key"], ["clusters.key"], name="fk_tracks_cluster_key_clusters"),
        sa.PrimaryKeyConstraint("key", name="pk_tracks"),
    )
    op.create_table(
        "entities",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subtype", sa.String(48), nullable=True),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("name_zh", sa.String(300), nullable=True),
        sa.Column("clusters", StringList(32), nullable=False),
        sa.Column("tracks", StringList(48), nullable=False),
        sa.Column("district", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=True),
        sa.Column("parent_id", Id, nullable=True),
        sa.Column("uscc", sa.String(18), nullable=True),
        sa.Column("external_id", sa.String(128), nullable=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("attributes", Json, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("retired_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["entities.id"], name="fk_entities_parent_id_entities"),
        sa.PrimaryKeyConstraint("id", name="pk_entities"),
    )
    op.create_index("ix_entities_kind", "entities", ["kind"])
    op.create_index("ix_entities_parent_id", "entities", ["parent_id"])
    op.create_index("ix_entities_updated_at", "entities", ["updated_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_entities_clusters", "entities", ["clusters"], postgresql_using="gin")
        op.create_index("ix_entities_tracks", "entities", ["tracks"], postgresql_using="gin")
    op.create_index("uq_entities_live_uscc", "entities", ["uscc"], unique=True, sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_index(
        "uq_entities_live_external_id_source",
        "entities",
        ["external_id", "source"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_table(
        "changes",
        sa.Column("seq", Id, autoincrement=False, nullable=False),
        sa.Column("entity_id", Id, nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("entity", Json, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_changes"),
    )
    op.create_index("ix_changes_entity_id_version", "changes", ["entity_id", "version"], unique=True)
    feed_counter = op.create_table(
        "feed_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", Id, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_counter"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", Json, nullable=False),
        sa.Column("headers", Json, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("actor", "key", name="pk_idempotency_keys"),
    )

    op.bulk_insert(
        clusters,
        [{"key": key, "name_en": en, "name_zh": zh, "position": i} for i, (key, en, zh) in enumerate(CLUSTERS)],
    )
    op.bulk_insert(
        tracks,
        [
            {"key": key, "cluster_key": cluster, "name_en": en, "name_zh": zh, "note": note, "position": i}
            for i, (key, cluster, en, zh, note) in enumerate(TRACKS)
        ],
    )
    op.bulk_insert(feed_counter, [{"id": 1, "last_seq": 0}])


def downgrade() -> None:
    for table in (
        "idempotency_keys",
        "feed_counter",
        "changes",
        "entities",
        "tracks",
        "clusters",
    ):
        op.drop_table(table)
