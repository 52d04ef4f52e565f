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
    """The clusters in their order, each with its tracks in theirs: ``[{"key", "name_en", "name_zh",
    "tracks": [{"key", "name_en", "name_zh", "note"}]}]``, read in one statement (a cluster with no
    track yet still listed, with ``tracks: []``)."""
    query = (
        select(
            clusters.c.key,
            clusters.c.name_en,
            clusters.c.name_zh,
            tracks.c.key.label("track_key"),
            tracks.c.name_en.label("track_name_en"),
            tracks.c.name_zh.label("track_name_zh"),
            tracks.c.note.label("track_note"),
        )
        .select_from(clusters.outerjoin(tracks, tracks.c.cluster_key == clusters.c.key))
        .order_by(clusters.c.position, tracks.c.position)
    )
    listed: dict[str, dict] = {}
    for row in db.query(lambda session: session.execute(query).all()):
        cluster = listed.get(row.key)
        if cluster is None:
            cluster = listed[row.key] = {"key": row.key, "name_en": row.name_en, "name_zh": row.name_zh, "tracks": []}
        if row.track_key is not None:
            cluster["tracks"].append(
                {"key": row.track_key, "name_en": row.track_name_en, "name_zh": row.track_name_zh, "note": row.track_note}
            )
    return list(listed.values())
