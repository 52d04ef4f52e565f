"""The cost of ``as_of`` and of the history backfill at 100,000 entities and 1,000,000 changes,
and the read-your-write lag through the gateway.

Part 1 fills a fresh metrics database (PostgreSQL) through the real apply path
(pages of ``--page`` changes, the follower's default 500, each one transaction)
with ``--entities`` entities and ``--changes`` changes (each entity created,
then updated: status, district, cluster), their commit times spread over
``--days`` days. It times, through the Flask app (median of ``--repeat``):
a live count, summary and target (the baseline: counter cells), the same as
of a day in the middle of the period (its end: a keyframe), as of one second
before that day ends (a keyframe plus a whole day of versions: the worst case)
and as of the period's end; then one full history
backfill (every day from the first change), against the time the same run
took to apply the feed. Figures are ratios against those baselines.

Part 2 runs registry, metrics, follower and gateway as processes (as `make run`
does, with a 5 s answer cache), polls counts through the gateway, writes one
entity at a time through it, and measures how long until the count read through
the gateway shows the write: p50 / p95 / max (the promise: p95 <= 1 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

import requests
from load import median_ms
from processes import ADMIN, DISTRICTS, KINDS, PLACES, postgres_base, running_stack

from ecoreg_common.testing import fresh_postgres_database
from metrics import create_app
from metrics import migrate as metrics_migrate
from metrics.config import Settings
from metrics.history import snapshots
from metrics.readmodel.apply import apply_page

STATUSES = ["planned", "building", "active", "active", "inactive"]
START = datetime(2024, 1, 1, tzinfo=UTC)


def feed(entities: int, changes: int, days: int):
    """Pages of synthetic changes in commit order: every entity created, then updated round-robin."""
    span = timedelta(days=days).total_seconds()
    versions = [0] * (entities + 1)
    page = []
    for n in range(changes):
        entity_id = n % entities + 1
        versions[entity_id] += 1
        version = versions[entity_id]
        kind, subtype, tier = KINDS[entity_id % len(KINDS)]
        clusters, tracks = PLACES[(entity_id + version // 3) % len(PLACES)]
        at = START + timedelta(seconds=span * n / changes)
        page.append(
            {
                "seq": n + 1,
                "entity_id": entity_id,
                "op": "create" if version == 1 else "update",
                "version": version,
                "at": at.isoformat().replace("+00:00", "Z"),
                "actor": "bench",
                "entity": {
                    "kind": kind,
                    "subtype": subtype,
                    "tier": tier,
                    "status": STATUSES[(entity_id + version) % len(STATUSES)],
                    "district": DISTRICTS[(entity_id * 7 + version) % len(DISTRICTS)],
                    "clusters": clusters,
                    "tracks": tracks,
                },
            }
        )
        if len(page) == 5000:
            yield page
            page = []
    if page:
        yield page


def as_of_and_backfill(base: str, entities: int, changes: int, days: int, repeat: int, page: int = 500) -> dict:
    load_before = os.getloadavg()[0]
    with fresh_postgres_database(base, "ecoreg_bench_history") as url:
        metrics_migrate.upgrade(url)
        app = create_app(Settings(database_url=url, log_level="WARNING"))
        db = app.extensions["metrics.db"]
        started = time.perf_counter()
        for chunk in feed(entities, changes, days):
            for at in range(0, len(chunk), page):  # the follower's page size: one transaction each
                apply_page(db, chunk[at : at + page], registry_latest_seq=changes, now=datetime.now(UTC))
        apply_s = time.perf_counter() - started
        middle = (START + timedelta(days=days // 2)).date().isoformat()
        end = (START + timedelta(days=days)).date().isoformat()
        client = app.test_client()
        count = "/api/v1/metrics/counts?group_by=cluster,kind&status=active,building"
        late = f"{middle}T23:59:59"  # the farthest from a keyframe: a whole day of versions on top
        paths = {
            "counts, live": count,
            f"counts, as_of {middle}": f"{count}&as_of={middle}",
            f"counts, as_of {late}": f"{count}&as_of={late}",
            f"counts, as_of {end}": f"{count}&as_of={end}",
            "summary, live": "/api/v1/metrics/summary",
            f"summary, as_of {middle}": f"/api/v1/metrics/summary?as_of={middle}",
            f"summary, as_of {late}": f"/api/v1/metrics/summary?as_of={late}",
            "target, live": "/api/v1/targets/hydrogen_stations",
            f"target, as_of {middle}": f"/api/v1/targets/hydrogen_stations?as_of={middle}",
            f"target, as_of {late}": f"/api/v1/targets/hydrogen_stations?as_of={late}",
        }
        for path in paths.values():
            client.get(path)  # warm up
        timings = {label: median_ms(client, path, repeat) for label, path in paths.items()}
        started = time.perf_counter()
        filled = snapshots.backfill(db, until=(START + timedelta(days=days + 1)).date())
        backfill_s = time.perf_counter() - started
        db.dispose()
    return {"apply_s": apply_s, "timings": timings, "backfill_s": backfill_s, "filled": filled, "load": (load_before, os.getloadavg()[0])}


def read_your_write_lag(base: str, writes: int) -> list[float]:
    """Seconds from a write's 201 through the gateway to the gateway's count showing it."""
    lags: list[float] = []
    with running_stack("ecoreg_bench_ryw", base=base, env={"GATEWAY_CACHE_SECONDS": "5"}) as stack:
        urls = stack.urls
        with requests.Session() as http:
            key = http.post(
                f"{urls['gateway']}/api/v1/keys", json={"partner": "bench", "scopes": ["entities:write"]}, headers=ADMIN, timeout=10
            )
            key.raise_for_status()
            writer = {"Authorization": f"Bearer {key.json()['key']}"}
            counts = f"{urls['gateway']}/api/v1/metrics/counts?cluster=energy"

            def count() -> int:
                # With the key: an anonymous dashboard would meet the per-address limit at this rate.
                answer = http.get(counts, headers=writer, timeout=10)
                answer.raise_for_status()
                return answer.json()["groups"][0]["count"]

            for n in range(writes):
                before = count()  # a dashboard polling: the answer is cached
                body = {"kind": "enterprise", "name": f"Lag {n}", "clusters": ["energy"], "external_id": f"ryw-{n}"}
                http.post(f"{urls['gateway']}/api/v1/entities", json=body, headers=writer, timeout=10).raise_for_status()
                written = time.perf_counter()
                while count() != before + 1:
                    if time.perf_counter() - written > 30:
                        raise RuntimeError("the write never showed in the count through the gateway")
                    time.sleep(0.01)
                lags.append(time.perf_counter() - written)
    return lags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--page", type=int, default=500, help="changes per apply transaction (the follower's METRICS_FOLLOW_BATCH)")
    parser.add_argument("--writes", type=int, default=40, help="writes in part 2")
    parser.add_argument("--skip-history", action="store_true")
    parser.add_argument("--skip-lag", action="store_true", help="only part 1")
    args = parser.parse_args()
    base = postgres_base()

    if not args.skip_history:
        result = as_of_and_backfill(base, args.entities, args.changes, args.days, args.repeat, args.page)
        timings = result["timings"]
        print(f"{args.entities:,} entities, {args.changes:,} changes over {args.days} days (PostgreSQL, through the Flask app)")
        print(f"applying the feed: {result['apply_s']:.1f} s ({args.changes / result['apply_s']:,.0f} changes/s, pages of {args.page})")
        print(f"load average before / after: {result['load'][0]:.1f} / {result['load'][1]:.1f}")
        print(f"{'answer':36} {'median':>10}   vs live")
        for label, ms in timings.items():
            kind = label.split(",")[0]
            live = timings[f"{kind}, live"]
            print(f"{label:36} {ms:8.1f} ms   {ms / live:7.1f}x")
        filled = result["filled"]
        print(
            f"history backfill: {result['backfill_s']:.1f} s for {filled['days']} days "
            f"({filled['cell_rows']:,} cell rows, {filled['target_rows']:,} target rows, {filled.get('keyframes', 0)} keyframes); "
            f"{result['backfill_s'] / result['apply_s']:.2f}x the time to apply the feed"
        )

    if args.skip_lag:
        return
    lags = sorted(read_your_write_lag(base, args.writes))
    p95 = lags[max(0, int(len(lags) * 0.95) - 1)]
    print(f"\nread-your-write through the gateway (cache 5 s, follower every 250 ms): {len(lags)} writes")
    print(f"p50 {statistics.median(lags) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms  (goal: p95 <= 1000 ms)")


if __name__ == "__main__":
    main()
