"""The clusters and tracks, learnt from the registry, which owns them.

Metrics needs them to count an entity under (cluster, track) and to name the
clusters in its answers. The first migration holds a frozen copy so a fresh
database answers before the registry is reachable; the follower then keeps the
copy up to date from ``GET /api/v1/clusters``: at start, and whenever a change
of the feed names a cluster or track it does not know (so a track the registry
gains is counted from its first entity on, without a code change here).
"""

from __future__ import annotations

from collections.abc import Iterable

import requests
from sqlalchemy.orm import Session

from ecoreg_common.db import Database, upsert
from metrics.indicators.service import bump_revision
from metrics.tables import clusters, tracks


def names_unknown(changes: Iterable[dict], cluster_keys: frozenset[str], track_keys: frozenset[str]) -> bool:
    """Whether any change names a cluster or track outside the known ones (pure)."""
    for change in changes:
        entity = change.get("entity") or {}
        if not set(entity.get("clusters") or ()) <= cluster_keys or not set(entity.get("tracks") or ()) <= track_keys:
            return True
    return False


def store_clusters(session: Session, answer: list[dict]) -> None:
    """Upsert the registry's ``clusters`` answer (shape of GET /api/v1/clusters' ``clusters``).

    Nothing is deleted: targets and indicators refer to clusters, and a cluster the
    registry dropped still has history here.
    """
    cluster_rows = [
        {"key": c["key"], "name_en": c["name_en"], "name_zh": c["name_zh"], "position": position} for position, c in enumerate(answer, 1)
    ]
    track_rows = [{"key": t["key"], "cluster_key": c["key"]} for c in answer for t in c.get("tracks") or ()]
    if cluster_rows:
        statement = upsert(session, clusters)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[clusters.c.key],
                set_={name: statement.excluded[name] for name in ("name_en", "name_zh", "position")},
            ),
            cluster_rows,
        )
        # The summary names the clusters: its snapshot and the ETags change with them.
        bump_revision(session)
    if track_rows:
        statement = upsert(session, tracks)
        session.execute(
            statement.on_conflict_do_update(index_elements=[tracks.c.key], set_={"cluster_key": statement.excluded.cluster_key}),
            track_rows,
        )


def refresh(db: Database, client: requests.Session) -> None:
    """Fetch the clusters and tracks from the registry and store them (raises requests' errors)."""
    response = client.get("/api/v1/clusters")
    response.raise_for_status()
    answer = response.json()["clusters"]
    with db.write() as session:
        store_clusters(session, answer)
