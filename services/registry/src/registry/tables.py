"""The registry's tables, all on one MetaData (Alembic's target).

Queries use SQLAlchemy Core on these tables: the batch path writes thousands of
rows per request with executemany, and every other path shares that code.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

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
    Column("name_en", String(150), nullable=False),
    Column("name_zh", String(100), nullable=False),
    Column("note", String(300)),
    Column("position", Integer, nullable=False),
)

entities = Table(
    "entities",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("subtype", String(48)),
    Column("tier", String(16), nullable=False),
    Column("name", String(300), nullable=False),
    Column("name_zh", String(300)),
    # Keys of clusters and tracks (checked against the reference tables on write).
    # Lists on the row, not join tables: one row per entity keeps bulk loads and
    # the change snapshot simple, and a GIN index answers "in cluster X".
    Column("clusters", StringList(32), nullable=False),
    Column("tracks", StringList(48), nullable=False),
    Column("district", String(32)),
    Column("status", String(16), nullable=False),
    Column("established_on", Date),
    Column("parent_id", BigIntId, ForeignKey("entities.id")),
    Column("uscc", String(18)),
    Column("external_id", String(128)),
    Column("source", String(64), nullable=False),
    Column("attributes", JsonDocument, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Retired entities stay for history; every live-row rule ignores them.
    Column("retired_at", UTCDateTime),
    # Set when the entity was merged into another (it is then retired too): where it went.
    Column("merged_into", BigIntId, ForeignKey("entities.id")),
    # Normalised names (registry.names), written with the names on every write path:
    # what q searches (a trigram index on PostgreSQL) and what matching compares.
    Column("search_text", Text, nullable=False, server_default=""),
    Column("name_core", Text),
    Column("name_zh_core", Text),
    Index(
        "uq_entities_live_uscc", "uscc", unique=True, sqlite_where=text("retired_at IS NULL"), postgresql_where=text("retired_at IS NULL")
    ),
    Index(
        "uq_entities_live_external_id_source",
        # external_id first: a batch looks up 1,000 of them for one partner at once.
        "external_id",
        "source",
        unique=True,
        sqlite_where=text("retired_at IS NULL"),
        postgresql_where=text("retired_at IS NULL"),
    ),
    Index("ix_entities_kind", "kind"),
    Index("ix_entities_updated_at", "updated_at"),
    Index("ix_entities_parent_id", "parent_id"),
    Index("ix_entities_clusters", "clusters", postgresql_using="gin").ddl_if(dialect="postgresql"),
    Index("ix_entities_tracks", "tracks", postgresql_using="gin").ddl_if(dialect="postgresql"),
    # pg_trgm answers LIKE '%key%' from the index, so q costs about the same at 1,000 or
    # 1,000,000 entities; it works on Chinese text (trigrams of CJK characters) under C.UTF-8.
    Index(
        "ix_entities_search_text",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
        postgresql_where=text("retired_at IS NULL"),
    ).ddl_if(dialect="postgresql"),
    Index("ix_entities_name_core", "name_core", sqlite_where=text("retired_at IS NULL"), postgresql_where=text("retired_at IS NULL")),
    Index("ix_entities_name_zh_core", "name_zh_core", sqlite_where=text("retired_at IS NULL"), postgresql_where=text("retired_at IS NULL")),
    Index("ix_entities_merged_into", "merged_into"),
)

# The change log (transactional outbox): written in the same transaction as the
# entity. ``seq`` is assigned under the feed_counter row lock, so seq order is
# commit order and a follower reading ``seq > N`` never skips a late commit.
changes = Table(
    "changes",
    metadata,
    Column("seq", BigIntId, primary_key=True, autoincrement=False),
    # No foreign key on purpose: the log is history that must not be coupled to
    # the current rows, and its only writer (store.write) takes ids from rows
    # written in the same transaction. The key's per-row check doubled the cost
    # of appending 1,000 changes (10 ms -> 19 ms, bench/README.md).
    Column("entity_id", BigIntId, nullable=False),
    Column("op", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    # The entity as of this change; what changed is derived from consecutive snapshots.
    Column("entity", JsonDocument, nullable=False),
    Index("ix_changes_entity_id_version", "entity_id", "version", unique=True),
)

feed_counter = Table(
    "feed_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigIntId, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("actor", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", JsonDocument, nullable=False),
    Column("headers", JsonDocument, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True),  # purged after RETENTION (idempotency.purge)
)
