"""Rules relating an entity's fields to each other and to the reference data.

Pure functions over a complete entity state (after a PATCH is merged), so the
same rules hold for POST, PATCH and every batch item.
"""

from __future__ import annotations

from registry.clusters.service import Reference
from registry.vocabulary import KINDS, KINDS_REQUIRING_TIER


def check(state: dict, reference: Reference) -> dict[str, list[str]]:
    """Field -> messages for every rule ``state`` breaks; empty when it is valid."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    kind, subtype = state["kind"], state.get("subtype")
    if subtype is not None and subtype not in KINDS[kind]:
        allowed = ", ".join(KINDS[kind]) or "none"
        add("subtype", f"{subtype!r} is not a subtype of {kind}; allowed: {allowed}")
    if kind in KINDS_REQUIRING_TIER and state.get("tier", "none") == "none":
        add("tier", f"a {kind} must have a tier (national, municipal or district)")

    clusters = state["clusters"]
    unknown = [key for key in clusters if key not in reference.cluster_keys]
    if unknown:
        add("clusters", f"unknown cluster(s): {', '.join(unknown)}; see GET /api/v1/clusters")
    for track in state.get("tracks", []):
        owner = reference.track_cluster.get(track)
        if owner is None:
            add("tracks", f"unknown track {track!r}; see GET /api/v1/clusters")
        elif owner not in clusters:
            add("tracks", f"track {track!r} belongs to cluster {owner!r}, which is not among the entity's clusters")
    return errors
