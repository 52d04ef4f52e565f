"""The page behind an indicator target's figure: the indicator's observations, each with every report.

``/indicators/{key}/observations?cluster=&cursor=`` shows what
``/api/v1/indicators/{key}/observations`` answers (the metrics service's own
paging), with the indicator's titles and unit: per period its value (the latest
report) and every report of it, oldest first, with its reporter and time
(Asia/Shanghai), the one in use marked. A query the metrics service refuses
(an unknown indicator, a bad cursor) is a readable page with its status.
"""

from __future__ import annotations

from urllib.parse import urlencode

from gateway.proxy.upstreams import Upstream
from gateway.web import clock
from gateway.web.listing import ListRefused, _refused

PAGE_ONLY = ("lang",)


def page_path(key: str) -> str:
    return f"/indicators/{key}/observations"


def page_link_of(api_link: str | None, lang: str | None = None) -> str | None:
    """``/api/v1/indicators/k/observations?cluster=energy`` -> ``/indicators/k/observations?cluster=energy&lang=en``."""
    prefix = "/api/v1/indicators/"
    if not api_link or not api_link.startswith(prefix):
        return None
    path, _, query = api_link.partition("?")
    link = path.removeprefix("/api/v1")
    pairs = [query] if query else []
    if lang:
        pairs.append(urlencode([("lang", lang)]))
    return link + ("?" + "&".join(pairs) if pairs else "")


def observations_page(metrics: Upstream, key: str, pairs: list[tuple[str, str]], timeout_seconds: float, lang: str) -> dict:
    """One page of an indicator's observations for the template:
    ``{"indicator": {...} | None, "observations": [{..., "reports": [{..., "shown_time", "used"}]}], "next", "cluster"}``.

    Raises ListRefused for the metrics service's 4xx (404 unknown indicator, 422
    bad cursor or cluster) and UpstreamUnavailable when it does not answer.
    """
    query = [(name, value) for name, value in pairs if name not in PAGE_ONLY]
    answer = metrics.request("GET", f"/api/v1/indicators/{key}/observations", params=query, timeout=timeout_seconds)
    if answer.status_code != 200:
        raise _refused(answer)
    try:
        body = answer.json()
        found = list(body["observations"])
    except (ValueError, KeyError, TypeError):
        raise ListRefused(502, "The metrics service's answer was not a list of observations") from None
    indicator = None
    listed = metrics.request("GET", "/api/v1/indicators", params={"include_retired": "true"}, timeout=timeout_seconds)
    if listed.status_code == 200:
        indicator = next((i for i in listed.json().get("indicators", []) if i.get("key") == key), None)
    rows = []
    for observation in found:
        reports = list(observation.get("reports") or [])
        for index, report in enumerate(reports):
            report["shown_time"] = clock.shown_time(report.get("recorded_at"))
            report["used"] = index == len(reports) - 1
        rows.append({**observation, "reports": reports})
    kept = [(name, value) for name, value in pairs if name != "cursor"]
    cursor = body.get("next_cursor")
    return {
        "key": key,
        "indicator": indicator,
        "unit": body.get("unit") or (indicator or {}).get("unit"),
        "cluster": dict(pairs).get("cluster"),
        "observations": rows,
        "next": f"{page_path(key)}?{urlencode([*kept, ('cursor', cursor)])}" if cursor else None,
        "api": f"/api/v1/indicators/{key}/observations" + (f"?{urlencode(query)}" if query else ""),
    }
