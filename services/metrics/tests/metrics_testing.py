"""Helpers the metrics tests share: changes shaped as the registry's feed sends them."""

from __future__ import annotations

from datetime import UTC, datetime

from metrics.readmodel.apply import apply_page

REPORTER = {"X-Ecoreg-Partner": "stats-bureau"}
# An administrator, as the gateway sends one: indicators are defined and retired by admins only.
ADMIN = {"X-Ecoreg-Partner": "ecoreg-admin", "X-Ecoreg-Scopes": "admin"}


def change(seq: int, entity_id: int, version: int, *, op: str | None = None, at: str = "2026-01-01T00:00:00Z", **entity) -> dict:
    body = {
        "id": entity_id,
        "kind": "enterprise",
        "subtype": "high_tech",
        "tier": "none",
        "status": "active",
        "district": "pudong",
        "clusters": ["energy"],
        "tracks": ["hydrogen"],
        **entity,
    }
    return {
        "seq": seq,
        "entity_id": entity_id,
        "op": op or ("create" if version == 1 else "update"),
        "version": version,
        "at": at,
        "actor": "partner-a",
        "entity": body,
    }


class Feed:
    """A registry feed in miniature: numbered changes, applied to a metrics database."""

    def __init__(self, db):
        self.db = db
        self.changes: list[dict] = []
        self.versions: dict[int, int] = {}

    def write(self, entity_id: int, *, op: str | None = None, at: str = "2026-01-01T00:00:00Z", **entity) -> dict:
        version = self.versions.get(entity_id, 0) + 1
        self.versions[entity_id] = version
        made = change(len(self.changes) + 1, entity_id, version, op=op, at=at, **entity)
        self.changes.append(made)
        return made

    def apply(self, changes: list[dict] | None = None):
        page = self.changes if changes is None else changes
        return apply_page(self.db, page, registry_latest_seq=len(self.changes), now=datetime.now(UTC))


def populate_energy(db) -> Feed:
    """Applied: three national enterprise technology centres and one hydrogen station, all in energy (ids 1-4)."""
    feed = Feed(db)
    for entity_id in range(1, 4):
        feed.write(entity_id, kind="tech_centre", subtype="enterprise_tech_centre", tier="national", clusters=["energy"], tracks=[])
    feed.write(4, kind="facility", subtype="hydrogen_station", clusters=["energy"], tracks=["hydrogen"])
    feed.apply()
    return feed
