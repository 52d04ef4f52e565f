"""The clusters and tracks (reference data loaded by a migration)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from sqlalchemy import select

from ecoreg_common.db import Database
from registry.tables import clusters, tracks


@dataclass(frozen=True)
class Reference:
    """What entity rules need to know: which clusters exist and where each track belongs."""

    cluster_keys: frozenset[str]
    track_cluster: dict[str, str]


# Reference data only changes through a migration, which restarts the service,
# so each process reads it once per database.
_cache: weakref.WeakKeyDictionary[Database, Reference] = weakref.WeakKeyDictionary()


def reference(db: Database) -> Reference:
    cached = _cache.get(db)
    if cached is None:
        with db.read() as session:
            cluster_keys = frozenset(session.scalars(select(clusters.c.key)))
            track_cluster = {row.key: row.cluster_key for row in session.execute(select(tracks.c.key, tracks.c.cluster_key))}
        cached = _cache[db] = Reference(cluster_keys, track_cluster)
    return cached


def list_clusters(db: Database) -> list[dict]:
    with db.read() as session:
        cluster_rows = session.execute(select(clusters).order_by(clusters.c.position)).all()
        track_rows = session.execute(select(tracks).order_by(tracks.c.position)).all()
    by_cluster: dict[str, list[dict]] = {row.key: [] for row in cluster_rows}
    for row in track_rows:
        by_cluster[row.cluster_key].append({"key": row.key, "name_en": row.name_en, "name_zh": row.name_zh, "note": row.note})
    return [{"key": row.key, "name_en": row.name_en, "name_zh": row.name_zh, "tracks": by_cluster[row.key]} for row in cluster_rows]
