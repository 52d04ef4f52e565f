"""Metrics answers at 1,000 and 100,000 entities, and the lag from a registry write to its count.

Part 1 fills two fresh metrics databases (PostgreSQL) through the real apply
path, with 1,000 and with 100,000 entities, then times `GET /metrics/summary`
and `GET /metrics/counts` (median of repeated calls, through the app) on each
and prints the ratio: answers come from counter cells, so it should stay near 1.

Part 2 runs the registry and the follower as processes, writes one entity at a
time at a steady rate, and measures how long each write takes to show in the
metrics service's `as_of_seq`.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import threading
import time
from datetime import UTC, datetime

import requests
from load import median_ms
from processes import BIN, DISTRICTS, KINDS, PLACES, gunicorn, postgres_base, start, stop

from ecoreg_common.testing import free_port, fresh_postgres_database
from metrics import create_app
from metrics import migrate as metrics_migrate
from metrics.config import Settings
from metrics.readmodel.apply import apply_page
from metrics.readmodel.store import read_state
from registry import migrate as registry_migrate

STATUSES = ["active", "active", "active", "building", "inactive"]


def synthetic_changes(count: int, start: int = 0) -> list[dict]:
    """Creates of entities ``start + 1`` to ``start + count`` (seq = entity id)."""
    changes = []
    for n in range(start, start + count):
        kind, subtype, tier = KINDS[n % len(KINDS)]
        clusters, tracks = PLACES[n % len(PLACES)]
        entity = {
            "kind": kind,
            "subtype": subtype,
            "tier": tier,
            "status": STATUSES[n % 5],
            "district": DISTRICTS[n % 8],
            "clusters": clusters,
            "tracks": tracks,
        }
        changes.append(
            {
                "seq": n + 1,
                "entity_id": n + 1,
                "op": "create",
                "version": 1,
                "at": "2026-01-01T00:00:00Z",
                "actor": "bench",
                "entity": entity,
            }
        )
    return changes


def answers_at(base: str, entities: int, repeat: int) -> dict[str, float]:
    with fresh_postgres_database(base, "ecoreg_bench_metrics") as url:
        metrics_migrate.upgrade(url)
        app = create_app(Settings(database_url=url, log_level="WARNING"))
        db = app.extensions["metrics.db"]
        for start in range(0, entities, 5000):  # made a page at a time: this process's memory stays flat
            page = synthetic_changes(min(5000, entities - start), start)
            apply_page(db, page, registry_latest_seq=entities, now=datetime.now(UTC))
        client = app.test_client()
        paths = {
            "summary": "/api/v1/metrics/summary",
            "counts, 3 dimensions": "/api/v1/metrics/counts?group_by=cluster,kind,tier",
            "counts, filtered": "/api/v1/metrics/counts?cluster=energy&kind=facility&status=active,building",
        }
        for path in paths.values():
            client.get(path)  # warm up
        result = {label: median_ms(client, path, repeat) for label, path in paths.items()}
        db.dispose()
        return result


def write_lag(base: str, rate: float, seconds: float) -> list[float]:
    lags: list[float] = []
    with fresh_postgres_database(base, "ecoreg_bench_reg") as registry_db, fresh_postgres_database(base, "ecoreg_bench_met") as metrics_db:
        registry_migrate.upgrade(registry_db)
        metrics_migrate.upgrade(metrics_db)
        port = free_port()
        registry_url = f"http://127.0.0.1:{port}"
        env = {
            "REGISTRY_DATABASE_URL": registry_db,
            "METRICS_DATABASE_URL": metrics_db,
            "REGISTRY_URL": registry_url,
            "LOG_LEVEL": "WARNING",
        }
        registry = gunicorn("registry:create_app()", port, env, workers=2)
        follower = start([str(BIN / "ecoreg-metrics"), "follow"], env)
        app = create_app(Settings(database_url=metrics_db, log_level="WARNING"))
        db = app.extensions["metrics.db"]

        def applied_seq() -> int:
            with db.read() as session:
                return read_state(session).checkpoint

        try:
            http = requests.Session()
            pending: list[tuple[int, float]] = []
            lock = threading.Lock()
            done = threading.Event()

            def watch() -> None:
                while not done.is_set() or pending:
                    seq = applied_seq()
                    now = time.perf_counter()
                    with lock:
                        for item in [p for p in pending if p[0] <= seq]:
                            lags.append((now - item[1]) * 1000)
                            pending.remove(item)
                    time.sleep(0.005)

            watcher = threading.Thread(target=watch)
            watcher.start()
            interval = 1 / rate
            deadline = time.perf_counter() + seconds
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                body = {"kind": "enterprise", "name": f"Lag {n}", "clusters": ["energy"], "external_id": f"lag-{n}"}
                written = http.post(f"{registry_url}/api/v1/entities", json=body, headers={"X-Ecoreg-Partner": "bench"}, timeout=10)
                written.raise_for_status()
                at = time.perf_counter()
                seq = http.get(f"{registry_url}/api/v1/entities/{written.json()['id']}/history", timeout=10).json()["versions"][-1]["seq"]
                with lock:
                    pending.append((seq, at))
                time.sleep(max(0.0, interval - (time.perf_counter() - at)))
            done.set()
            watcher.join(timeout=30)
        finally:
            stop(follower, registry)
            db.dispose()
    return lags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rate", type=float, default=20.0, help="writes per second in part 2")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    base = postgres_base()

    small = answers_at(base, args.small, args.repeat)
    large = answers_at(base, args.large, args.repeat)
    print(f"metrics answers, median of {args.repeat} (PostgreSQL, through the Flask app)")
    print(f"{'answer':24} {args.small:>10,} entities {args.large:>10,} entities   ratio")
    for label in small:
        print(f"{label:24} {small[label]:13.2f} ms {large[label]:13.2f} ms   {large[label] / small[label]:5.2f}")

    print(f"this process's peak RSS (the metrics app, in process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    lags = write_lag(base, args.rate, args.seconds)
    lags.sort()
    print(f"\nlag from a registry write to its count: {len(lags)} writes at {args.rate:g}/s, follower interval 250 ms")
    print(f"p50 {statistics.median(lags):.0f} ms, p95 {lags[int(len(lags) * 0.95) - 1]:.0f} ms, max {lags[-1]:.0f} ms")


if __name__ == "__main__":
    main()
