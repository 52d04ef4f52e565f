"""What the dashboard pages show, gathered from the services (parts that fail are marked stale).

Every figure a page shows gets ``link``: the entity list page of exactly the
entities it counts. The metrics service says which list that is (each count's
``entities``, a registry list path); where an answer does not carry one yet,
the link is built from the count's own definition (active entities of the
cluster, kind, tier, track or district), which is the same list.
"""

from __future__ import annotations

from gateway.compose.service import Part, cluster_overview, dashboard, fetch
from gateway.proxy.upstreams import Upstream
from gateway.web import clock
from gateway.web.charts import district_tiles, progress, share, trend
from gateway.web.listing import download_link, fetch_page, filters_of, first_page_link, list_link, next_link, page_link, start_of
from gateway.web.observations import page_link_of

ACTIVE = "active"


def _link(api_link: str | None, fallback: dict | None, lang: str) -> str | None:
    return page_link(api_link, lang) or (list_link(fallback, lang) if fallback is not None else None)


def _target(target: dict, lang: str) -> dict:
    """A target as a card needs it: its bar, and a link to what it counts (entities, or an indicator's observations)."""
    observations = page_link_of(target.get("observations"), lang)
    return {**target, "bar": progress(target), "link": page_link(target.get("entities"), lang), "observations": observations}


def _coverage(totals: list[dict] | None, lang: str) -> list[dict] | None:
    if totals is None:
        return None
    return [
        {**total, "bar": share(total.get("registered"), total.get("official")), "link": _link(total.get("entities"), None, lang)}
        for total in totals
    ]


def _freshness(freshness: dict | None) -> dict | None:
    """The freshness a reader understands: the time of the last registry change counted, in Shanghai."""
    if not freshness:
        return None
    return {**freshness, "shown_time": clock.shown_time(freshness.get("as_of_time"))}


def _district_map(groups: list[dict] | None, districts: list[dict] | None, base: dict, lang: str) -> dict | None:
    """The 16-district tile map of one set of count groups (``[{"district": key|None, "count", "entities"?}]``)."""
    if groups is None or districts is None:
        return None
    counts = {g["district"]: g["count"] for g in groups if g.get("district")}
    links = {g["district"]: _link(g.get("entities"), {**base, "district": g["district"] or "none"}, lang) for g in groups}
    picture = district_tiles(counts, districts, lang)
    for tile in picture["tiles"]:
        tile["link"] = links.get(tile["key"]) or list_link({**base, "district": tile["key"]}, lang)
    unplaced = next((g for g in groups if not g.get("district")), None)
    picture["unplaced"] = {"count": unplaced["count"], "link": links.get(None)} if unplaced and unplaced["count"] else None
    return picture


def home(registry: Upstream, metrics: Upstream, timeout_seconds: float, lang: str = "en") -> dict:
    """The dashboard: headline targets, the five clusters (counts, trend), coverage, a district map, freshness."""
    body = dashboard(registry, metrics, timeout_seconds)
    extra = fetch(
        [
            *(
                Part(f"trend:{c['key']}", metrics, "/api/v1/metrics/history", {"metric": "count", "cluster": c["key"]})
                for c in body["clusters"]
            ),
            Part("districts", metrics, "/api/v1/metrics/counts", {"group_by": "district"}),
            Part("vocabulary", registry, "/api/v1/vocabulary"),
        ],
        timeout_seconds,
    )
    for cluster in body["clusters"]:
        key = cluster["key"]
        series = extra.get(f"trend:{key}")
        cluster["trend"] = trend(series["points"]) if series else None
        cluster["link"] = _link(cluster.get("entities"), {"cluster": key, "status": ACTIVE}, lang)
        kind_links = cluster.get("by_kind_entities") or {}
        tier_links = cluster.get("by_tier_entities") or {}
        cluster["kind_links"] = {
            k: _link(kind_links.get(k), {"cluster": key, "kind": k, "status": ACTIVE}, lang) for k in cluster.get("by_kind") or {}
        }
        cluster["tier_links"] = {
            k: _link(tier_links.get(k), {"cluster": key, "tier": k, "status": ACTIVE}, lang) for k in cluster.get("by_tier") or {}
        }
        cluster["targets"] = None if cluster.get("targets") is None else [_target(t, lang) for t in cluster["targets"]]
    everything = {t["key"]: t for c in body["clusters"] for t in (c.get("targets") or [])}
    everything.update({t["key"]: _target(t, lang) for t in body.get("programme_targets") or []})
    # The plan's headline targets, in the order the targets give (metrics: a target's ``headline``).
    body["headline"] = sorted((t for t in everything.values() if t.get("headline") is not None), key=lambda t: (t["headline"], t["key"]))
    body["coverage"] = _coverage(body.get("coverage"), lang)
    body["freshness"] = _freshness(body.get("freshness"))
    body["active_link"] = _link(body.get("active_entities_entities"), {"status": ACTIVE}, lang)
    districts = extra["districts"]["groups"] if extra.get("districts") else None
    vocabulary = extra.get("vocabulary")
    body["district_map"] = _district_map(districts, vocabulary.get("districts") if vocabulary else None, {"status": ACTIVE}, lang)
    return body


def cluster_page(registry: Upstream, metrics: Upstream, key: str, timeout_seconds: float, lang: str = "en") -> dict:
    """A cluster: counts per track and per district (a map), its targets, coverage, trend, newest registrations."""
    body = cluster_overview(registry, metrics, key, timeout_seconds, recent=10)
    extra = fetch(
        [
            Part("tracks", metrics, "/api/v1/metrics/counts", {"group_by": "track", "cluster": key}),
            Part("districts", metrics, "/api/v1/metrics/counts", {"group_by": "district", "cluster": key}),
            Part("trend", metrics, "/api/v1/metrics/history", {"metric": "count", "cluster": key}),
            Part("vocabulary", registry, "/api/v1/vocabulary"),
        ],
        timeout_seconds,
    )
    base = {"cluster": key, "status": ACTIVE}
    if body.get("counts"):
        counts = body["counts"]
        counts["link"] = _link(counts.get("entities"), base, lang)
        kind_links, tier_links = counts.get("by_kind_entities") or {}, counts.get("by_tier_entities") or {}
        counts["kind_links"] = {k: _link(kind_links.get(k), {**base, "kind": k}, lang) for k in counts.get("by_kind") or {}}
        counts["tier_links"] = {k: _link(tier_links.get(k), {**base, "tier": k}, lang) for k in counts.get("by_tier") or {}}
    by_track = {g["track"]: g for g in extra["tracks"]["groups"]} if extra.get("tracks") else None
    tracks = []
    for track in (body.get("cluster") or {}).get("tracks") or []:
        group = (by_track or {}).get(track["key"])
        count = None if by_track is None else (group["count"] if group else 0)
        tracks.append(
            {**track, "count": count, "link": _link(group.get("entities") if group else None, {**base, "track": track["key"]}, lang)}
        )
    body["tracks"] = tracks
    body["targets"] = None if body.get("targets") is None else [_target(t, lang) for t in body["targets"]]
    body["coverage"] = _coverage(body.get("coverage"), lang)
    body["freshness"] = _freshness(body.get("freshness"))
    body["trend"] = trend(extra["trend"]["points"]) if extra.get("trend") else None
    vocabulary = extra.get("vocabulary")
    names = {d["key"]: d for d in (vocabulary or {}).get("districts") or []}
    body["district_map"] = _district_map(
        extra["districts"]["groups"] if extra.get("districts") else None, vocabulary.get("districts") if vocabulary else None, base, lang
    )
    for entity in body.get("recent_entities") or []:
        district = names.get(entity.get("district"))
        entity["registered_on"] = clock.shown_date(entity.get("created_at"))
        entity["district_name"] = (district["name_zh"] if lang == "zh" else district["name_en"]) if district else entity.get("district")
    body["recent_link"] = list_link({"cluster": key, "sort": "-id"}, lang)
    return body


def _value_names(clusters: list[dict] | None, vocabulary: dict | None, t: dict, lang: str) -> dict[str, dict[str, str]]:
    """filter -> value -> what the page calls it, from the registry's reference data and the page's words."""
    name = "name_zh" if lang == "zh" else "name_en"
    names: dict[str, dict[str, str]] = {
        "kind": dict(t["kinds"]),
        "subtype": dict(t["subtypes"]),
        "tier": dict(t["tiers"]),
        "status": dict(t["statuses"]),
        "sort": {"id": "oldest first" if lang == "en" else "最早在前", "-id": "newest first" if lang == "en" else "最新在前"},
    }
    names["cluster"] = {c["key"]: c[name] for c in clusters or []}
    names["track"] = {track["key"]: track[name] for c in clusters or [] for track in c.get("tracks") or []}
    names["district"] = {d["key"]: d[name] for d in (vocabulary or {}).get("districts") or []}
    return names


def describe_filters(pairs: list[tuple[str, str]], names: dict[str, dict[str, str]], t: dict, lang: str) -> list[dict]:
    """The list's filters as the page shows them: ``[{"name", "value", "remove"}]``, ``remove`` the page without it."""
    shown = []
    for index, (key, raw) in enumerate(filters_of(pairs)):
        known = names.get(key, {})
        values = (
            [known.get(part, t["none_value"] if part == "none" else part) for part in raw.split(",")]
            if key not in ("q", "updated_since")
            else [raw]
        )
        rest = [pair for i, pair in enumerate(filters_of(pairs)) if i != index]
        shown.append(
            {
                "key": key,
                "name": t["filter_names"].get(key, key),
                "value": " / ".join(values),
                "remove": list_link(dict(rest), lang) if len({k for k, _ in rest}) == len(rest) else None,
            }
        )
    return shown


def entity_list(registry: Upstream, pairs: list[tuple[str, str]], timeout_seconds: float, t: dict, lang: str) -> dict:
    """One page of the entities behind a figure, with its filters described and its links (next page, downloads).

    Raises ListRefused (the registry's 4xx, for the page to show) and
    UpstreamUnavailable (503) when the registry does not answer.
    """
    page = fetch_page(registry, pairs, timeout_seconds)
    reference = fetch([Part("clusters", registry, "/api/v1/clusters"), Part("vocabulary", registry, "/api/v1/vocabulary")], timeout_seconds)
    clusters = reference["clusters"]["clusters"] if reference.get("clusters") else None
    names = _value_names(clusters, reference.get("vocabulary"), t, lang)
    items = []
    for entity in page["items"]:
        items.append(
            {
                **entity,
                "shown_name": (entity.get("name_zh") or entity.get("name")) if lang == "zh" else entity.get("name"),
                "kind_name": names["kind"].get(entity.get("kind"), entity.get("kind")),
                "tier_name": names["tier"].get(entity.get("tier"), entity.get("tier")),
                "status_name": names["status"].get(entity.get("status"), entity.get("status")),
                "district_name": names["district"].get(entity.get("district"), entity.get("district") or ""),
                "cluster_names": [names["cluster"].get(c, c) for c in entity.get("clusters") or []],
                "registered_on": clock.shown_date(entity.get("created_at")),
            }
        )
    start = start_of(pairs)
    whole = start == 1 and not page["next_cursor"]
    return {
        "entities": items,
        "filters": describe_filters(pairs, names, t, lang),
        "start": start,
        "end": start + len(items) - 1,
        # The list's length is known when it is all on this page; otherwise the page says which rows it shows.
        "total": len(items) if whole else None,
        "next": next_link(pairs, page["next_cursor"], len(items)),
        "first": first_page_link(pairs) if start > 1 or any(name == "cursor" for name, _ in pairs) else None,
        "csv": download_link(pairs, "csv", lang),
        "xlsx": download_link(pairs, "xlsx", lang),
    }
