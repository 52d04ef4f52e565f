"""What an entity counts as, and which counter cells it adds to. Pure functions.

A *fact* is the part of an entity the counts need (kind, subtype, tier,
status, district, clusters, tracks) with its version. Its *contribution* is the
multiset of counter cells it adds 1 to; applying a change replaces the old
contribution with the new one, which is why a replayed change alters nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields

# (cluster, track, kind, subtype, tier, status, district); "" stands for "none" or "not this family".
CellKey = tuple[str, str, str, str, str, str, str]


@dataclass(frozen=True)
class Fact:
    entity_id: int
    kind: str
    subtype: str
    tier: str
    status: str
    district: str
    clusters: tuple[str, ...]
    tracks: tuple[str, ...]
    version: int
    retired: bool
    seq: int


FIELDS = tuple(field.name for field in fields(Fact))


def built(values: dict) -> Fact:
    """``Fact(**values)`` for a dict of every field (``FIELDS``), made for a page's thousand facts:
    the frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, about
    three times the time of filling the instance's dictionary at once. Equal, hashed and
    printed as ``Fact(**values)`` (those compare the fields)."""
    fact = object.__new__(Fact)
    fact.__dict__.update(values)
    return fact


def fact_from_change(change: dict) -> Fact:
    """The fact a change of the registry's feed describes."""
    entity = change["entity"]
    return built(
        {
            "entity_id": change["entity_id"],
            "kind": entity["kind"],
            "subtype": entity.get("subtype") or "",
            "tier": entity.get("tier") or "none",
            "status": entity["status"],
            "district": entity.get("district") or "",
            "clusters": tuple(sorted(entity.get("clusters") or ())),
            "tracks": tuple(sorted(entity.get("tracks") or ())),
            "version": change["version"],
            # A merged entity leaves the counts like a retired one; its survivor is counted once.
            "retired": change["op"] in ("retire", "merge"),
            "seq": change["seq"],
        }
    )


def contribution(fact: Fact | None, track_cluster: dict[str, str]) -> Counter[CellKey]:
    """The cells ``fact`` adds 1 to: one with no cluster or track, one per cluster, one per
    track, and one per (cluster, one of that cluster's tracks). Retired entities add nothing."""
    cells: Counter[CellKey] = Counter()
    if fact is None or fact.retired:
        return cells
    rest = (fact.kind, fact.subtype, fact.tier, fact.status, fact.district)
    cells[("", "", *rest)] += 1
    for cluster in fact.clusters:
        cells[(cluster, "", *rest)] += 1
    for track in fact.tracks:
        cells[("", track, *rest)] += 1
        owner = track_cluster.get(track)
        if owner in fact.clusters:
            cells[(owner, track, *rest)] += 1
    return cells


def newer(candidate: Fact, current: Fact | None) -> bool:
    """Whether ``candidate`` should replace ``current`` (versions only grow; replays are older or equal)."""
    return current is None or candidate.version > current.version
