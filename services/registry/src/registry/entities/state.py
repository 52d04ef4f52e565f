"""An entity's state: the plain, JSON-ready dict that is its public representation.

The same dict is answered by the API, stored as the snapshot in each change,
and compared to decide whether a write changes anything.
"""

from __future__ import annotations

from datetime import date, datetime

from ecoreg_common.formats import instant_text

# Fields a partner may set, in the order they are shown.
EDITABLE = (
    "kind",
    "subtype",
    "tier",
    "name",
    "name_zh",
    "clusters",
    "tracks",
    "district",
    "status",
    "established_on",
    "parent_id",
    "uscc",
    "external_id",
    "attributes",
)

# What a new entity gets for a field the partner left out.
DEFAULTS = {
    "subtype": None,
    "tier": "none",
    "name_zh": None,
    "tracks": [],
    "district": None,
    "status": "active",
    "established_on": None,
    "parent_id": None,
    "uscc": None,
    "external_id": None,
    "attributes": {},
}


def timestamp(moment: datetime) -> str:
    return instant_text(moment)


def normalise(fields: dict) -> dict:
    """Loaded schema fields -> state values (dates as ISO text, lists sorted and unique)."""
    out = dict(fields)
    if isinstance(out.get("established_on"), date):
        out["established_on"] = out["established_on"].isoformat()
    for key in ("clusters", "tracks"):
        if key in out and out[key] is not None:
            out[key] = sorted(set(out[key]))
    if "tracks" in out and out["tracks"] is None:
        out["tracks"] = []
    if "attributes" in out and out["attributes"] is None:
        out["attributes"] = {}
    return out


def new_state(fields: dict) -> dict:
    """The editable part of a new entity: the given fields over the defaults."""
    merged = {**DEFAULTS, **normalise(fields)}
    return {key: merged[key] for key in EDITABLE}


def merged_state(current: dict, fields: dict) -> dict:
    """``current`` with ``fields`` applied (absent fields unchanged)."""
    return {**current, **normalise(fields)}


def editable_part(state: dict) -> dict:
    return {key: state[key] for key in EDITABLE}


def diff(before: dict | None, after: dict) -> dict[str, dict]:
    """Field -> {"from", "to"} for each editable field that differs."""
    changed = {}
    for key in EDITABLE:
        old = before.get(key) if before else None
        new = after.get(key)
        if old != new and not (before is None and new in (None, [], {})):
            changed[key] = {"from": old, "to": new}
    return changed
