"""What a count means, and where the entities behind it are listed.

Every count answer carries its *filter* (the dimensions it counts, with the
statuses spelt out, because a count means "active" when no status is named
while the registry's list means "any status") and the *entities* link: the
registry's list (``GET /api/v1/entities``) with exactly that filter, so that
paging through it yields as many entities as the count says. The registry's
list accepts every count dimension, comma lists, and ``none`` for a missing
subtype or district, for that reason.
"""

from __future__ import annotations

from urllib.parse import urlencode

ENTITIES_PATH = "/api/v1/entities"
# The order dimensions appear in a filter and in a link (stable, so links compare equal).
ORDER = ("cluster", "track", "kind", "subtype", "tier", "district", "status")
# What "how many" means when a question names no status (counts.service uses it too).
DEFAULT_STATUSES = ("active",)
# Pass as the status filter to count entities of every status.
ANY_STATUS = "*"


def _items(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def count_filter(filters: dict, group: dict | None = None) -> dict:
    """The full filter of a count: the question's filters narrowed by one group's values.

    Shape: ``{"cluster": "energy", "kind": "facility", "status": ["active"]}``; a
    dimension is a string when one value is meant, a list when several are; a
    group's ``None`` (no subtype, no district) becomes ``"none"``; ``"status": "*"``
    means every status.
    """
    merged: dict[str, object] = {}
    for name in ORDER:
        if group is not None and name in group:
            value = group[name]
            merged[name] = "none" if value is None else value
            continue
        values = _items(filters.get(name))
        if name == "status":
            merged[name] = values or list(DEFAULT_STATUSES)
        elif values:
            merged[name] = values[0] if len(values) == 1 else values
    if isinstance(merged.get("status"), str):
        merged["status"] = [merged["status"]]
    if merged["status"] == [ANY_STATUS]:
        merged["status"] = ANY_STATUS  # every status
    return merged


def entities_link(filter_: dict) -> str:
    """The registry list returning exactly the entities a count with ``filter_`` counts."""
    # Any status ("*") is the registry list without a status filter.
    pairs = [(name, ",".join(_items(filter_[name]))) for name in ORDER if name in filter_ and filter_[name] != ANY_STATUS]
    return f"{ENTITIES_PATH}?{urlencode(pairs, safe=',')}"


def traced(count: int, filters: dict, group: dict | None = None) -> dict:
    """``{"count", "filter", "entities"}`` for one count."""
    filter_ = count_filter(filters, group)
    return {"count": count, "filter": filter_, "entities": entities_link(filter_)}
