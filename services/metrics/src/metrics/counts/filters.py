"""Whether a count filter names values that exist, so a typo is a 422 and not a count of 0.

The registry answers 422 for ``?cluster=nope``; a count of the same filter must
too. Clusters and tracks are checked against this database's reference tables
(which the follower keeps in step with the registry's, feed/reference.py); kinds,
subtypes, tiers, districts and statuses against this database's copy of the
registry's vocabulary (GET /api/v1/vocabulary, kept the same way).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from metrics.tables import clusters, tracks, vocabulary


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _terms(session: Session, family: str):
    return lambda: set(session.scalars(select(vocabulary.c.value).where(vocabulary.c.family == family)))


def unknown_values(session: Session, filters: dict, *, prefix: str = "") -> dict[str, list[str]]:
    """Field -> messages for each cluster, track or vocabulary term in ``filters`` that does not exist.

    Only the fields a filter names are read (no statement for an empty filter).

    ``prefix`` names the field in the messages' keys (``filter.`` for a target's filter).
    """
    errors: dict[str, list[str]] = {}
    checks = (
        ("cluster", lambda: set(session.scalars(select(clusters.c.key))), "see GET /api/v1/clusters"),
        ("track", lambda: set(session.scalars(select(tracks.c.key))), "see GET /api/v1/clusters"),
        *((family, _terms(session, family), "see GET /api/v1/vocabulary") for family in ("kind", "subtype", "tier", "district", "status")),
    )
    for name, known, hint in checks:
        values = _as_list(filters.get(name))
        if not values:
            continue
        unknown = sorted(set(values) - known() - {"*"})  # "*": every status (counts/service.py ANY_STATUS)
        if unknown:
            errors[f"{prefix}{name}"] = [f"unknown {name} {', '.join(map(repr, unknown))}; {hint}"]
    return errors
