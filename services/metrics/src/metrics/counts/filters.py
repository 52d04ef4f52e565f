"""Whether a count filter names values that exist, so a typo is a 422 and not a count of 0.

The registry answers 422 for ``?cluster=nope``; a count of the same filter must
too. Clusters and tracks are checked against this database's reference tables
(which the follower keeps in step with the registry's, feed/reference.py); kinds,
subtypes, tiers, districts and statuses against this database's copy of the
registry's vocabulary (GET /api/v1/vocabulary, kept the same way).
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from metrics.tables import clusters, tracks, vocabulary


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


# The filter fields checked, what each is checked against, and where to look the values up.
_CHECKED = (
    ("cluster", lambda value: clusters.c.key == value, "see GET /api/v1/clusters"),
    ("track", lambda value: tracks.c.key == value, "see GET /api/v1/clusters"),
    *(
        (family, lambda value, family=family: (vocabulary.c.family == family) & (vocabulary.c.value == value), "see GET /api/v1/vocabulary")
        for family in ("kind", "subtype", "tier", "district", "status")
    ),
)


def _named(filters: dict) -> list[tuple[str, str]]:
    """(field, value) for each value ``filters`` names that is checked ("*": every status, counts/service.py ANY_STATUS)."""
    return [(name, value) for name, _, _ in _CHECKED for value in dict.fromkeys(_as_list(filters.get(name))) if value != "*"]


def known_flags(filters: dict) -> list:
    """One labelled EXISTS column per value ``filters`` names (none for an empty filter), to select
    with an answer's own rows; ``unknown_from`` reads them back."""
    where = {name: condition for name, condition, _ in _CHECKED}
    tables = {"cluster": clusters, "track": tracks}
    return [
        exists(select(1).select_from(tables.get(name, vocabulary)).where(where[name](value))).label(f"known_{index}")
        for index, (name, value) in enumerate(_named(filters))
    ]


def unknown_from(row, filters: dict, *, prefix: str = "") -> dict[str, list[str]]:
    """Field -> messages for each value of ``filters`` that does not exist, from a row holding
    ``known_flags(filters)``; ``prefix`` names the field in the keys (``filter.`` for a target's filter)."""
    unknown: dict[str, list[str]] = {}
    for index, (name, value) in enumerate(_named(filters)):
        if not getattr(row, f"known_{index}"):
            unknown.setdefault(name, []).append(value)
    hints = {name: hint for name, _, hint in _CHECKED}
    return {
        f"{prefix}{name}": [f"unknown {name} {', '.join(map(repr, sorted(values)))}; {hints[name]}"] for name, values in unknown.items()
    }


def unknown_values(session: Session, filters: dict, *, prefix: str = "") -> dict[str, list[str]]:
    """Field -> messages for each cluster, track or vocabulary term in ``filters`` that does not exist.

    One statement, and none for an empty filter. ``prefix`` names the field in the messages' keys.
    """
    flags = known_flags(filters)
    if not flags:
        return {}
    return unknown_from(session.execute(select(*flags)).one(), filters, prefix=prefix)
