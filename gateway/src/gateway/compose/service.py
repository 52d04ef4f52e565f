"""Composed answers for dashboards: one request, parts from both services.

Each part is fetched in parallel with a short timeout. A part that does not come
back is listed in ``missing`` and the answer says ``degraded: true``; the
answer fails whole only when nothing at all came back.
"""

from __future__ import annotations

import contextvars
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ecoreg_common.errors import NotFound
from gateway.proxy.upstreams import Upstream, UpstreamUnavailable

_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="compose")


@dataclass(frozen=True)
class Part:
    name: str
    upstream: Upstream
    path: str
    params: dict | None = None
    # For a paged list (limit, cursor, next_cursor): the answer's list field, gathered
    # over every page so a composed answer never sees only the first one.
    paged: str | None = None


MAX_PAGES = 20  # a part longer than this many pages is reported missing, not cut short


def fetch(parts: list[Part], timeout_seconds: float) -> dict[str, dict | None]:
    """Every part's JSON answer, or None for a part that failed or took too long."""

    def get_one(part: Part, params: dict | None) -> dict | None:
        try:
            answer = part.upstream.request("GET", part.path, params=params, timeout=timeout_seconds)
        except UpstreamUnavailable:
            return None
        if answer.status_code != 200:
            return None
        return answer.json()

    def get(part: Part) -> dict | None:
        first = get_one(part, part.params)
        if first is None or not part.paged:
            return first
        page = first
        for _ in range(MAX_PAGES):
            if not page.get("next_cursor"):
                return {**first, part.paged: first[part.paged], "next_cursor": None}
            page = get_one(part, {**(part.params or {}), "cursor": page["next_cursor"]})
            if page is None:
                return None
            first[part.paged] = first[part.paged] + page[part.paged]
        return None

    # Each thread runs in a copy of this request's context, so its calls carry the request id.
    futures = {part.name: _pool.submit(contextvars.copy_context().run, get, part) for part in parts}
    results: dict[str, dict | None] = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=timeout_seconds + 1)
        except Exception:  # noqa: BLE001 - a part that fails is reported as missing
            results[name] = None
    return results


def finite_only(value):
    """``value`` with every non-finite float (inf, -inf, nan) replaced by None, at any depth.

    A composed answer is served as JSON to browsers, whose JSON.parse rejects
    ``Infinity`` and ``NaN``: one such number from a service must not stop the
    dashboard's live update, so it is served as null (unknown).
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_only(item) for key, item in value.items()}
    if isinstance(value, list):
        return [finite_only(item) for item in value]
    return value


def _marked(body: dict, results: dict[str, dict | None]) -> dict:
    missing = sorted(name for name, value in results.items() if value is None)
    return {
        **finite_only(body),
        "parts": {name: ("ok" if value is not None else "unavailable") for name, value in results.items()},
        "degraded": bool(missing),
        "missing": missing,
    }


# What the overview's counts carry: each count with the registry list of its entities.
OVERVIEW_COUNTS = ("active_entities", "filter", "entities", "by_kind", "by_kind_entities", "by_tier", "by_tier_entities")


def cluster_overview(registry: Upstream, metrics: Upstream, key: str, timeout_seconds: float, recent: int = 5) -> dict:
    results = fetch(
        [
            Part("clusters", registry, "/api/v1/clusters"),
            Part("recent_entities", registry, "/api/v1/entities", {"cluster": key, "sort": "-id", "limit": recent}),
            Part("summary", metrics, "/api/v1/metrics/summary"),
            Part("targets", metrics, "/api/v1/targets", {"cluster": key, "limit": 500}, paged="targets"),
        ],
        timeout_seconds,
    )
    if all(value is None for value in results.values()):
        raise registry.unavailable("no part of the overview answered")
    cluster = None
    if results["clusters"] is not None:
        cluster = next((c for c in results["clusters"]["clusters"] if c["key"] == key), None)
    summary = results["summary"]
    metrics_cluster = next((c for c in summary["clusters"] if c["key"] == key), None) if summary else None
    if cluster is None and metrics_cluster is None:
        raise NotFound(f"There is no cluster {key!r}; see GET /api/v1/clusters.")
    # The cluster's own coverage (official totals counted inside it), never the programme's.
    coverage = metrics_cluster.get("coverage") if metrics_cluster else None
    body = {
        "cluster": cluster or {k: metrics_cluster[k] for k in ("key", "name_en", "name_zh")},
        "counts": {k: metrics_cluster.get(k) for k in OVERVIEW_COUNTS} if metrics_cluster else None,
        "coverage": coverage,
        "targets": results["targets"]["targets"] if results["targets"] else None,
        "recent_entities": results["recent_entities"]["items"] if results["recent_entities"] else None,
        "freshness": _freshness(summary),
    }
    return _marked(body, results)


FRESHNESS = ("as_of_seq", "registry_latest_seq", "behind_changes", "seconds_behind", "as_of_time", "checked_at")


def _freshness(summary: dict | None) -> dict | None:
    """How current the figures are: ``as_of_time`` (commit time of the last change counted,
    Asia/Shanghai) for people, the sequence numbers for machines."""
    return {k: summary.get(k) for k in FRESHNESS} if summary else None


def dashboard(registry: Upstream, metrics: Upstream, timeout_seconds: float) -> dict:
    results = fetch([Part("clusters", registry, "/api/v1/clusters"), Part("summary", metrics, "/api/v1/metrics/summary")], timeout_seconds)
    if all(value is None for value in results.values()):
        raise registry.unavailable("no part of the dashboard answered")
    summary = results["summary"]
    by_key = {c["key"]: c for c in summary["clusters"]} if summary else {}
    names = (
        results["clusters"]["clusters"]
        if results["clusters"]
        else [{k: c[k] for k in ("key", "name_en", "name_zh")} for c in summary["clusters"]]
    )
    targets = summary["targets"] if summary else []
    clusters = []
    for cluster in names:
        counted = by_key.get(cluster["key"])
        clusters.append(
            {
                "key": cluster["key"],
                "name_en": cluster["name_en"],
                "name_zh": cluster["name_zh"],
                "tracks": cluster.get("tracks"),
                "active_entities": counted["active_entities"] if counted else None,
                "entities": counted.get("entities") if counted else None,
                "by_kind": counted["by_kind"] if counted else None,
                "by_kind_entities": counted.get("by_kind_entities") if counted else None,
                "by_tier": counted["by_tier"] if counted else None,
                "by_tier_entities": counted.get("by_tier_entities") if counted else None,
                "coverage": counted.get("coverage") if counted else None,
                "targets": [t for t in targets if t["cluster"] == cluster["key"]] if summary else None,
            }
        )
    body = {
        "clusters": clusters,
        "programme_targets": [t for t in targets if t["cluster"] is None] if summary else None,
        "coverage": summary["coverage"] if summary else None,
        "active_entities": summary["active_entities"] if summary else None,
        "active_entities_entities": summary.get("active_entities_entities") if summary else None,
        "freshness": _freshness(summary),
    }
    return _marked(body, results)
