"""The dashboard's answer: per cluster counts, coverage, every target, and freshness."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoreg_common.db import Database
from ecoreg_common.formats import instant_text
from metrics.counts.as_of import AsOf
from metrics.counts.links import count_filter, entities_link, traced
from metrics.counts.service import ANY_STATUS, count_in, grouped
from metrics.readmodel import store
from metrics.tables import clusters, official_totals
from metrics.targets.service import all_assessed

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_time(moment: datetime | None) -> str | None:
    """An instant as ISO 8601 in Asia/Shanghai (``2026-12-02T10:31:05+08:00``), to the second."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds") if moment else None


def freshness(session: Session, now: datetime) -> dict:
    """How current the counts are: ``as_of_time`` is the registry's commit time of the last change
    applied (Asia/Shanghai), ``checked_at`` when the follower last read the feed; the sequence
    numbers stay for machines."""
    state = store.read_state(session)
    behind = max(0, state.registry_latest_seq - state.checkpoint)
    if behind == 0:
        seconds = 0.0
    else:
        since = state.caught_up_at or state.last_success_at
        seconds = round((now - since).total_seconds(), 1) if since else None
    return {
        "as_of_seq": state.checkpoint,
        "registry_latest_seq": state.registry_latest_seq,
        "behind_changes": behind,
        "seconds_behind": seconds,
        "last_success_at": instant_text(state.last_success_at) if state.last_success_at else None,
        "last_error": state.last_error,
        "as_of_time": local_time(state.checkpoint_at),
        "checked_at": local_time(state.last_success_at),
    }


def coverage(session: Session, cluster: str | None = None, as_of: AsOf | None = None) -> list[dict]:
    """Registered (live, any status) against each official total, Shanghai-wide or inside one cluster.

    The official totals are Shanghai-wide, so a cluster's ``share`` is the part of
    the official total registered in that cluster (``ratio`` is the same number).
    """
    out = []
    for row in session.execute(select(official_totals).order_by(official_totals.c.key)):
        filters = {**row.filter, "status": ANY_STATUS}
        if cluster is not None:
            filters["cluster"] = cluster
        registered = count_in(session, filters, as_of)
        share = round(registered / row.value, 4) if row.value else None
        out.append(
            {
                "key": row.key,
                "title_en": row.title_en,
                "title_zh": row.title_zh,
                "cluster": cluster,
                "registered": registered,
                "official": row.value,
                "as_of": row.as_of,
                "share": share,
                "ratio": share,
                **{k: v for k, v in traced(registered, filters).items() if k != "count"},
            }
        )
    return out


def _links_by(groups: list[dict], dimension: str, cluster: str) -> dict[str, str]:
    return {
        g[dimension]: entities_link(count_filter({}, {"cluster": cluster, dimension: g[dimension]}))
        for g in groups
        if g["cluster"] == cluster
    }


def summary(db: Database, today: date, now: datetime | None = None, as_of: AsOf | None = None) -> dict:
    """The dashboard's answer, now or ``as_of`` a past moment (then ``as_of`` says which)."""
    now = now or datetime.now(UTC)
    with db.read() as session:
        by_kind = grouped(session, ["cluster", "kind"], {}, as_of)
        by_tier = grouped(session, ["cluster", "tier"], {}, as_of)
        totals = {group["cluster"]: group["count"] for group in grouped(session, ["cluster"], {}, as_of)}
        targets = all_assessed(session, today, as_of)
        result_clusters = []
        for row in session.execute(select(clusters).order_by(clusters.c.position)):
            result_clusters.append(
                {
                    "key": row.key,
                    "name_en": row.name_en,
                    "name_zh": row.name_zh,
                    **traced(totals.get(row.key, 0), {}, {"cluster": row.key}),
                    "active_entities": totals.get(row.key, 0),
                    "by_kind": {g["kind"]: g["count"] for g in by_kind if g["cluster"] == row.key},
                    "by_kind_entities": _links_by(by_kind, "kind", row.key),
                    "by_tier": {g["tier"]: g["count"] for g in by_tier if g["cluster"] == row.key},
                    "by_tier_entities": _links_by(by_tier, "tier", row.key),
                    "coverage": coverage(session, row.key, as_of),
                    "targets": [t["key"] for t in targets if t["cluster"] == row.key],
                }
            )
        answer = {
            **freshness(session, now),
            "active_entities": count_in(session, {}, as_of),
            "active_entities_entities": entities_link(count_filter({})),
            "clusters": result_clusters,
            "coverage": coverage(session, None, as_of),
            "targets": targets,
        }
        if as_of is not None:
            answer["as_of"] = as_of.text
        return answer
