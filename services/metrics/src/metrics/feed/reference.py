"""The clusters, tracks and vocabulary, learnt from the registry, which owns them.

Metrics needs the clusters and tracks to count an entity under (cluster, track)
and to name the clusters in its answers, and the vocabulary (kinds, subtypes,
tiers, statuses, districts) to refuse a filter the registry would refuse
(counts/filters.py). Migrations hold a frozen copy so a fresh database answers
before the registry is reachable; the follower then keeps the copy up to date
from ``GET /api/v1/clusters`` and ``GET /api/v1/vocabulary``: at start, and
whenever a change of the feed names a cluster, track or term it does not know
(so a track or kind the registry gains is counted from its first entity on,
without a code change here).
"""

from __future__ import annotations

from collections.abc import Iterable

import requests
from sqlalchemy.orm import Session

from ecoreg_common.db import Database, upsert
from metrics.indicators.service import bump_revision
from metrics.tables import clusters, tracks, vocabulary

# The entity fields whose values are vocabulary terms (family = field name).
TERM_FIELDS = ("kind", "subtype", "tier", "status", "district")


def names_unknown(
    changes: Iterable[dict],
    cluster_keys: frozenset[str],
    track_keys: frozenset[str],
    terms: frozenset[tuple[str, str]] | None = None,
) -> bool:
    """Whether any change names a cluster, track or (when ``terms`` is given) a
    ``(family, value)`` vocabulary term outside the known ones (pure)."""
    for change in changes:
        entity = change.get("entity") or {}
        if not set(entity.get("clusters") or ()) <= cluster_keys or not set(entity.get("tracks") or ()) <= track_keys:
            return True
        if terms is not None and any(entity.get(f) and (f, entity[f]) not in terms for f in TERM_FIELDS):
            return True
    return False


def vocabulary_terms(answer: dict) -> set[tuple[str, str]]:
    """``(family, value)`` for every term of the registry's GET /api/v1/vocabulary answer (pure)."""
    kinds = answer.get("kinds") or {}
    terms = {("kind", kind) for kind in kinds}
    terms |= {("subtype", subtype) for subtypes in kinds.values() for subtype in subtypes or ()}
    terms |= {("tier", tier) for tier in answer.get("tiers") or ()}
    terms |= {("status", status) for status in answer.get("statuses") or ()}
    terms |= {("district", d["key"] if isinstance(d, dict) else d) for d in answer.get("districts") or ()}
    return terms


def store_vocabulary(session: Session, answer: dict) -> None:
    """Add the terms of the registry's vocabulary answer that are not held yet.

    Nothing is deleted: a term the registry dropped still names old facts here.
    """
    rows = [{"family": family, "value": value} for family, value in sorted(vocabulary_terms(answer))]
    if rows:
        session.execute(upsert(session, vocabulary).on_conflict_do_nothing(index_elements=[vocabulary.c.family, vocabulary.c.value]), rows)


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
    """Fetch the clusters, tracks and vocabulary from the registry and store them (raises requests' errors)."""
    response = client.get("/api/v1/clusters")
    response.raise_for_status()
    answer = response.json()["clusters"]
    words = client.get("/api/v1/vocabulary")
    words.raise_for_status()
    terms = words.json()
    with db.write() as session:
        store_clusters(session, answer)
        store_vocabulary(session, terms)
