"""The composed overview and dashboard: a cluster's own coverage, counts with their links, freshness as a time."""

from __future__ import annotations

import json

from gateway.compose import service


class Answer:
    def __init__(self, body: dict):
        self.status_code = 200
        self._body = body

    def json(self) -> dict:
        return json.loads(json.dumps(self._body))


class FakeUpstream:
    """Answers GETs from a path -> body map, as the services would."""

    def __init__(self, bodies: dict[str, dict]):
        self.bodies = bodies

    def request(self, method, path, *, params=None, timeout=None, **kwargs):
        return Answer(self.bodies[path])

    def unavailable(self, why):  # pragma: no cover - every part answers here
        raise AssertionError(why)


PROGRAMME = [{"key": "high_tech_enterprises", "cluster": None, "registered": 13, "official": 20000, "share": 0.0007}]
ENERGY = [{"key": "high_tech_enterprises", "cluster": "energy", "registered": 2, "official": 20000, "share": 0.0001}]
SUMMARY = {
    "as_of_seq": 41,
    "registry_latest_seq": 41,
    "behind_changes": 0,
    "seconds_behind": 0.0,
    "as_of_time": "2026-12-02T10:31:05+08:00",
    "checked_at": "2026-12-02T10:31:06+08:00",
    "active_entities": 13,
    "active_entities_entities": "/api/v1/entities?status=active",
    "coverage": PROGRAMME,
    "clusters": [
        {
            "key": "energy",
            "name_en": "Future energy",
            "name_zh": "未来能源",
            "active_entities": 6,
            "filter": {"cluster": "energy", "status": ["active"]},
            "entities": "/api/v1/entities?cluster=energy&status=active",
            "by_kind": {"facility": 6},
            "by_kind_entities": {"facility": "/api/v1/entities?cluster=energy&kind=facility&status=active"},
            "by_tier": {"none": 6},
            "by_tier_entities": {"none": "/api/v1/entities?cluster=energy&tier=none&status=active"},
            "coverage": ENERGY,
            "targets": [],
        }
    ],
    "targets": [],
}
REGISTRY = FakeUpstream(
    {
        "/api/v1/clusters": {"clusters": [{"key": "energy", "name_en": "Future energy", "name_zh": "未来能源", "tracks": []}]},
        "/api/v1/entities": {"items": []},
    }
)
METRICS = FakeUpstream({"/api/v1/metrics/summary": SUMMARY, "/api/v1/targets": {"targets": []}})


def test_the_overview_shows_the_clusters_coverage_not_the_programmes():
    body = service.cluster_overview(REGISTRY, METRICS, "energy", 1.0)
    assert body["coverage"] == ENERGY
    assert body["counts"]["entities"] == "/api/v1/entities?cluster=energy&status=active"
    assert body["counts"]["by_kind_entities"]["facility"].endswith("kind=facility&status=active")
    assert body["freshness"]["as_of_time"] == "2026-12-02T10:31:05+08:00"


def test_the_dashboard_shows_programme_coverage_and_links():
    body = service.dashboard(REGISTRY, METRICS, 1.0)
    assert body["coverage"] == PROGRAMME
    assert body["active_entities_entities"] == "/api/v1/entities?status=active"
    (energy,) = body["clusters"]
    assert energy["coverage"] == ENERGY
    assert energy["entities"] == "/api/v1/entities?cluster=energy&status=active"
    assert body["freshness"]["checked_at"] == "2026-12-02T10:31:06+08:00"


class PagedTargets(FakeUpstream):
    """Metrics whose target list comes in pages of two (limit, cursor, next_cursor)."""

    TARGETS = [{"key": f"t{i}", "cluster": "energy"} for i in range(5)]

    def request(self, method, path, *, params=None, timeout=None, **kwargs):
        if path != "/api/v1/targets":
            return super().request(method, path, params=params, timeout=timeout)
        start = int((params or {}).get("cursor") or 0)
        page = self.TARGETS[start : start + 2]
        more = start + 2 < len(self.TARGETS)
        return Answer({"targets": page, "next_cursor": str(start + 2) if more else None})


def test_the_overview_reads_every_page_of_the_targets():
    metrics = PagedTargets({"/api/v1/metrics/summary": SUMMARY})
    body = service.cluster_overview(REGISTRY, metrics, "energy", 1.0)
    assert [t["key"] for t in body["targets"]] == ["t0", "t1", "t2", "t3", "t4"]
    assert body["degraded"] is False
