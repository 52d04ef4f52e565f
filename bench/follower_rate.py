"""How fast the follower applies the registry's feed, against how fast the feed is served.

A registry (gunicorn, PostgreSQL) is filled through the batch endpoint: each
entity created, then updated once (two changes each). Then, alternately:

- *feed served*: a plain client reads the whole feed, page by page at the
  follower's page size, decoding each page as the follower does;
- *follower*: the metrics read model is reset and the real ``Follower`` (in
  this process, as ``ecoreg-metrics resync`` runs it) catches up from the first
  change, one transaction per page.

Prints changes/s of both for each round, min/median/max, and the ratio
follower / feed (goal: >= 0.8), with the follower process's peak memory.

The follower's time is its catch-up (a fresh client, the reference refresh, every
page); the reset before it (deleting the previous round's read model: ~0.1-0.2 s
at 40,000 changes, a cost of resetting, not of following, which the feed's reader
has no counterpart of) is timed apart. Until session 9 it was inside the
follower's time; that measure is printed too ("with the reset").
"""

from __future__ import annotations

import argparse
import resource
import time

import requests
from batches import fill
from load import spread
from processes import Analyzer, gunicorn, postgres_base, stop

from ecoreg_common.db import Database
from ecoreg_common.http import ServiceClient
from ecoreg_common.testing import free_port, fresh_postgres_database
from metrics import migrate as metrics_migrate
from metrics.feed.follower import Follower, reset
from metrics.readmodel.store import read_state
from registry import migrate as registry_migrate


def read_feed(registry: str, page_size: int) -> int:
    http = requests.Session()
    after, seen = 0, 0
    while True:
        page = http.get(f"{registry}/api/v1/changes", params={"after": after, "limit": page_size}, timeout=60).json()
        seen += len(page["changes"])
        after = page["next_after"]
        if after >= page["latest_seq"]:
            return seen


def follow(db: Database, registry: str, page_size: int) -> int:
    """Changes applied by a fresh ``Follower`` catching up from the stored checkpoint."""
    follower = Follower(db, ServiceClient(registry, retries=2), batch=page_size)
    try:
        return follower.catch_up()
    finally:
        getattr(follower, "close", lambda: None)()  # the code before this change had no close


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=500, help="changes per page (METRICS_FOLLOW_BATCH's default)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--creates-only", action="store_true", help="one change per entity (a bounded 1M run)")
    parser.add_argument("--analyze-seconds", type=float, default=0, help="ANALYZE both databases this often, as autovacuum would")
    args = parser.parse_args()
    base = postgres_base()

    with (
        fresh_postgres_database(base, "ecoreg_bench_feed") as registry_url,
        fresh_postgres_database(base, "ecoreg_bench_follow") as metrics_url,
    ):
        registry_migrate.upgrade(registry_url)
        metrics_migrate.upgrade(metrics_url)
        port = free_port()
        process = gunicorn("registry:create_app()", port, {"REGISTRY_DATABASE_URL": registry_url}, workers=1)
        registry = f"http://127.0.0.1:{port}"
        db = Database(metrics_url)
        analyzer = Analyzer([registry_url, metrics_url], args.analyze_seconds).__enter__()
        try:
            started = time.perf_counter()
            total = fill(registry, args.entities, updates=not args.creates_only)
            print(
                f"feed: {total:,} changes ({args.entities:,} entities created{'' if args.creates_only else ', then updated'}), written in {time.perf_counter() - started:.1f} s"
            )
            feed_rates, follow_rates, with_reset_rates = [], [], []
            for round_number in range(1, args.rounds + 1):
                started = time.perf_counter()
                seen = read_feed(registry, args.page)
                feed_rates.append(seen / (time.perf_counter() - started))
                started = time.perf_counter()
                reset(db)
                reset_seconds = time.perf_counter() - started
                started = time.perf_counter()
                applied = follow(db, registry, args.page)
                follow_seconds = time.perf_counter() - started
                follow_rates.append(applied / follow_seconds)
                with_reset_rates.append(applied / (follow_seconds + reset_seconds))
                with db.read() as session:
                    state = read_state(session)
                if seen != total or applied != total or state.checkpoint != total:
                    raise RuntimeError(f"seen {seen}, applied {applied}, checkpoint {state.checkpoint}; expected {total}")
                print(
                    f"round {round_number}: feed served {feed_rates[-1]:9,.0f} changes/s   follower applied {follow_rates[-1]:9,.0f} changes/s"
                    f"   (reset {reset_seconds:.2f} s)"
                )
        finally:
            analyzer.__exit__()
            db.dispose()
            stop(process)

    ratios = sorted(f / s for f, s in zip(follow_rates, feed_rates, strict=True))
    with_reset = sorted(f / s for f, s in zip(with_reset_rates, feed_rates, strict=True))

    print(f"page {args.page} changes, PostgreSQL, registry 1 gunicorn worker, follower in this process")
    print(f"feed served     (min/median/max): {spread(feed_rates, ',.0f')} changes/s")
    print(f"follower applied(min/median/max): {spread(follow_rates, ',.0f')} changes/s")
    print(f"ratio follower / feed (min/median/max): {spread(ratios, '.2f')}  (goal >= 0.8)")
    print(f"  with the reset in the follower's time (the measure before session 9): {spread(with_reset, '.2f')}")
    print(f"follower process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
