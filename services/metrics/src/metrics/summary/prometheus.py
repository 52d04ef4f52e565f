"""The counts and attainment as Prometheus gauges, rendered by prometheus_client.

A custom collector builds the gauge families from one statement per scrape: the
live counts by cluster, kind and tier with the summary's snapshot (its coverage and
targets; computed and stored first when the data changed since, summary/service.py)
and the follower's state; prometheus_client writes the text exposition format (0.0.4), so values
keep every digit (8234567 stays 8234567.0, not ``8.23457e+06``) and labels are
escaped as the format says. Label sets are bounded by the vocabularies
(clusters x kinds x tiers, targets), never by entities.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from ecoreg_common.db import Database
from metrics.summary import service
from metrics.targets.attainment import STATUSES

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


def _gauge(name: str, documentation: str, labels: list[str], samples) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for values, value in samples:
        family.add_metric(values, float(value))
    return family


class MetricsCollector(Collector):
    """Yields the gauges of one scrape's figures: ``cells`` (``grouped`` by cluster, kind and tier),
    ``cover`` (the Shanghai-wide coverage), ``targets`` (every target assessed) and ``fresh``
    (the summary's freshness)."""

    def __init__(self, cells: list[dict], cover: list[dict], targets: list[dict], fresh: dict):
        self.figures = cells, cover, targets, fresh

    def collect(self) -> Iterator[GaugeMetricFamily]:
        cells, cover, targets, fresh = self.figures
        yield _gauge(
            "ecoreg_entities",
            "Active registered entities by cluster, kind and tier.",
            ["cluster", "kind", "tier"],
            (([c["cluster"], c["kind"], c["tier"]], c["count"]) for c in cells),
        )
        yield _gauge(
            "ecoreg_coverage_registered",
            "Registered entities counted against an official total.",
            ["total"],
            (([c["key"]], c["registered"]) for c in cover),
        )
        yield _gauge("ecoreg_coverage_official", "The official total.", ["total"], (([c["key"]], c["official"]) for c in cover))
        yield _gauge("ecoreg_coverage_ratio", "Registered / official.", ["total"], (([c["key"]], c["ratio"] or 0) for c in cover))
        yield _gauge(
            "ecoreg_target_current_value",
            "Current value of each target's measure, in its unit.",
            ["target", "unit"],
            (([t["key"], t["unit"]], t["current_value"]) for t in targets if t["current_value"] is not None),
        )
        yield _gauge(
            "ecoreg_target_value",
            "The value at which each target is met.",
            ["target", "unit"],
            (([t["key"], t["unit"]], t["target_value"]) for t in targets),
        )
        yield _gauge(
            "ecoreg_target_attainment_ratio",
            "current / target (target / current for decrease targets).",
            ["target"],
            (([t["key"]], t["attainment"]) for t in targets if t["attainment"] is not None),
        )
        yield _gauge(
            "ecoreg_target_status",
            "1 for each target's current progress status, 0 for the others.",
            ["target", "status"],
            (([t["key"], s], 1 if t["status"] == s else 0) for t in targets for s in STATUSES),
        )
        yield _gauge("ecoreg_feed_applied_seq", "The last registry change applied (the checkpoint).", [], [([], fresh["as_of_seq"])])
        yield _gauge("ecoreg_feed_behind_changes", "Registry changes not yet applied, as last seen.", [], [([], fresh["behind_changes"])])
        if fresh["seconds_behind"] is not None:
            yield _gauge(
                "ecoreg_feed_seconds_behind",
                "Seconds since the follower was last caught up (0 when it is).",
                [],
                [([], fresh["seconds_behind"])],
            )


def render(db: Database, today: date, dumps: Callable[[object], str]) -> str:
    """The exposition text of one scrape; ``dumps`` writes JSON (the snapshot's, if it is computed)."""
    live, cells = service.read_live_with_cells(db, today)
    body = live.body if live.body is not None else service.compute_snapshot(db, today, live.version, dumps)
    counted = json.loads(body)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MetricsCollector(cells, counted["coverage"], counted["targets"], service.freshness_of(live.state, datetime.now(UTC))))
    return generate_latest(registry).decode()
