"""What the dashboard pages show, gathered from the services (parts that fail are marked stale)."""

from __future__ import annotations

from datetime import date, timedelta

from gateway.compose.service import Part, cluster_overview, dashboard, fetch
from gateway.proxy.upstreams import Upstream
from gateway.web.charts import progress, sparkline
from gateway.web.labels import HEADLINE


def home(registry: Upstream, metrics: Upstream, timeout_s: float) -> dict:
    body = dashboard(registry, metrics, timeout_s)
    today = date.today()
    trends = fetch(
        [
            Part(
                c["key"],
                metrics,
                "/api/v1/metrics/history",
                {"metric": "count", "cluster": c["key"], "from": (today - timedelta(days=90)).isoformat(), "to": today.isoformat()},
            )
            for c in body["clusters"]
        ],
        timeout_s,
    )
    for cluster in body["clusters"]:
        series = trends.get(cluster["key"])
        cluster["trend"] = sparkline([point["value"] for point in series["points"]]) if series else ""
        for target in cluster.get("targets") or []:
            target["bar"] = progress(target)
    everything = {t["key"]: t for c in body["clusters"] for t in (c.get("targets") or [])}
    everything.update({t["key"]: t for t in body.get("programme_targets") or []})
    body["headline"] = [{**everything[key], "bar": progress(everything[key])} for key in HEADLINE if key in everything]
    return body


def cluster_page(registry: Upstream, metrics: Upstream, key: str, timeout_s: float) -> dict:
    body = cluster_overview(registry, metrics, key, timeout_s, recent=10)
    for target in body.get("targets") or []:
        target["bar"] = progress(target)
    return body
