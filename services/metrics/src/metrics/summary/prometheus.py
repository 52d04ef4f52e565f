"""The counts and attainment as Prometheus gauges (text exposition format 0.0.4).

Label sets are bounded by the vocabularies (clusters x kinds x tiers, targets),
never by entities, so a scrape stays small however many entities there are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from ecoreg_common.db import Database
from metrics.counts.service import grouped
from metrics.summary.service import coverage, freshness
from metrics.targets.attainment import STATUSES
from metrics.targets.service import all_assessed

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _sample(name: str, labels: dict[str, str], value: float) -> str:
    inner = ",".join(f'{key}="{_label(val)}"' for key, val in labels.items())
    return f"{name}{{{inner}}} {value:g}" if inner else f"{name} {value:g}"


def render(db: Database, today: date) -> str:
    lines: list[str] = []

    def gauge(name: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(_sample(name, labels, value) for labels, value in samples)

    with db.read() as session:
        cells = grouped(session, ["cluster", "kind", "tier"], {})
        gauge(
            "ecoreg_entities",
            "Active registered entities by cluster, kind and tier.",
            [({"cluster": c["cluster"], "kind": c["kind"], "tier": c["tier"]}, c["count"]) for c in cells],
        )
        cover = coverage(session)
        gauge(
            "ecoreg_coverage_registered",
            "Registered entities counted against an official total.",
            [({"total": c["key"]}, c["registered"]) for c in cover],
        )
        gauge("ecoreg_coverage_official", "The official total.", [({"total": c["key"]}, c["official"]) for c in cover])
        gauge("ecoreg_coverage_ratio", "Registered / official.", [({"total": c["key"]}, c["ratio"] or 0) for c in cover])
        targets = all_assessed(session, today)
        gauge(
            "ecoreg_target_current_value",
            "Current value of each target's measure, in its unit.",
            [({"target": t["key"], "unit": t["unit"]}, t["current_value"]) for t in targets if t["current_value"] is not None],
        )
        gauge(
            "ecoreg_target_value",
            "The value at which each target is met.",
            [({"target": t["key"], "unit": t["unit"]}, t["target_value"]) for t in targets],
        )
        gauge(
            "ecoreg_target_attainment_ratio",
            "current / target (target / current for decrease targets).",
            [({"target": t["key"]}, t["attainment"]) for t in targets if t["attainment"] is not None],
        )
        gauge(
            "ecoreg_target_status",
            "1 for each target's current progress status, 0 for the others.",
            [({"target": t["key"], "status": s}, 1 if t["status"] == s else 0) for t in targets for s in STATUSES],
        )
        fresh = freshness(session, datetime.now(UTC))
    gauge("ecoreg_feed_applied_seq", "The last registry change applied.", [({}, fresh["as_of_seq"])])
    gauge("ecoreg_feed_behind_changes", "Registry changes not yet applied, as last seen.", [({}, fresh["behind_changes"])])
    if fresh["seconds_behind"] is not None:
        gauge(
            "ecoreg_feed_seconds_behind", "Seconds since the follower was last caught up (0 when it is).", [({}, fresh["seconds_behind"])]
        )
    return "\n".join(lines) + "\n"
