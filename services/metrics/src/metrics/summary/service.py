"""The dashboard's answer: per cluster counts, coverage, every target, and freshness."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoreg_common.db import Database
from metrics.counts.service import ALL_STATUSES, count_in, grouped
from metrics.readmodel import store
from metrics.tables import clusters, official_totals
from metrics.targets.service import all_assessed


def freshness(session: Session, now: datetime) -> dict:
    state = store.read_state(session)
    behind = max(0, state.registry_latest_seq - state.cursor)
    if behind == 0:
        seconds = 0.0
    else:
        since = state.caught_up_at or state.last_success_at
        seconds = round((now - since).total_seconds(), 1) if since else None
    return {
        "as_of_seq": state.cursor,
        "registry_latest_seq": state.registry_latest_seq,
        "behind_changes": behind,
        "seconds_behind": seconds,
        "last_success_at": state.last_success_at.isoformat().replace("+00:00", "Z") if state.last_success_at else None,
        "last_error": state.last_error,
    }


def coverage(session: Session) -> list[dict]:
    """Registered (live, any status) against the official total."""
    out = []
    for row in session.execute(select(official_totals).order_by(official_totals.c.key)):
        registered = count_in(session, {**row.filter, "status": list(ALL_STATUSES)})
        out.append(
            {
                "key": row.key,
                "title_en": row.title_en,
                "title_zh": row.title_zh,
                "registered": registered,
                "official": row.value,
                "as_of": row.as_of,
                "ratio": round(registered / row.value, 4) if row.value else None,
            }
        )
    return out


def summary(db: Database, today: date, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    with db.read() as session:
        by_kind = grouped(session, ["cluster", "kind"], {})
        by_tier = grouped(session, ["cluster", "tier"], {})
        totals = {group["cluster"]: group["count"] for group in grouped(session, ["cluster"], {})}
        targets = all_assessed(session, today)
        result_clusters = []
        for row in session.execute(select(clusters).order_by(clusters.c.position)):
            result_clusters.append(
                {
                    "key": row.key,
                    "name_en": row.name_en,
                    "name_zh": row.name_zh,
                    "active_entities": totals.get(row.key, 0),
                    "by_kind": {g["kind"]: g["count"] for g in by_kind if g["cluster"] == row.key},
                    "by_tier": {g["tier"]: g["count"] for g in by_tier if g["cluster"] == row.key},
                    "targets": [t["key"] for t in targets if t["cluster"] == row.key],
                }
            )
        return {
            **freshness(session, now),
            "active_entities": count_in(session, {}),
            "clusters": result_clusters,
            "coverage": coverage(session),
            "targets": targets,
        }
