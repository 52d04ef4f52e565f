"""The gateway's answer cache in Redis against the same cache in process memory, in one run.

Registry, metrics (caught up with the sample data) and two gateways run as
processes under gunicorn: one without Redis (answers cached in each process's
memory), one with `REDIS_URL` (answers shared through Redis, under a key prefix
of this run's own). Client threads poll `/api/v1/metrics/summary` through each
gateway, alternately, for `--rounds` rounds; the cache's freshness is long
enough (`GATEWAY_CACHE_SECONDS`, 60 s) that every request is a hit. Prints
requests/s with p50/p99 and the ratio Redis / memory, min / median / max.
Goal (issue #14): at least 0.8.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid

import redis
import requests
from load import hammer
from processes import BIN, gunicorn, start, stop

from ecoreg_common.db import Database
from ecoreg_common.testing import free_port, fresh_postgres_database
from gateway import migrate as gateway_migrate
from metrics import migrate as metrics_migrate
from registry import migrate as registry_migrate
from registry import sample_data

TOKEN = "bench-internal-token"
ADMIN_KEY = "bench-admin-key"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    base = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or "postgresql+psycopg://root@127.0.0.1:5432/test"
    prefix = f"ecoreg-bench-{uuid.uuid4().hex[:12]}"
    with (
        fresh_postgres_database(base, "ecoreg_bench_tiers_reg") as registry_db,
        fresh_postgres_database(base, "ecoreg_bench_tiers_met") as metrics_db,
        fresh_postgres_database(base, "ecoreg_bench_tiers_gw") as gateway_db,
    ):
        registry_migrate.upgrade(registry_db)
        metrics_migrate.upgrade(metrics_db)
        gateway_migrate.upgrade(gateway_db)
        seeded = Database(registry_db)
        sample_data.load(seeded)
        seeded.dispose()
        ports = {name: free_port() for name in ("registry", "metrics", "memory", "redis")}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        env = {
            "REGISTRY_DATABASE_URL": registry_db,
            "METRICS_DATABASE_URL": metrics_db,
            "GATEWAY_DATABASE_URL": gateway_db,
            "REGISTRY_URL": urls["registry"],
            "METRICS_URL": urls["metrics"],
            "INTERNAL_TOKEN": TOKEN,
            "GATEWAY_ADMIN_KEY": ADMIN_KEY,
            "GATEWAY_KEY_LIMIT": "1000000/minute",
            "GATEWAY_CACHE_SECONDS": "60",
        }
        shared = {**env, "REDIS_URL": args.redis, "GATEWAY_REDIS_KEY_PREFIX": prefix}
        processes = [
            gunicorn("registry:create_app()", ports["registry"], env, workers=1, threads=4),
            gunicorn("metrics:create_app()", ports["metrics"], env, workers=1, threads=4),
            start([str(BIN / "ecoreg-metrics"), "follow"], env),
            gunicorn("gateway:create_app()", ports["memory"], env, workers=args.workers, threads=8),
            gunicorn("gateway:create_app()", ports["redis"], shared, workers=args.workers, threads=8),
        ]
        keyed = {"Authorization": f"Bearer {ADMIN_KEY}"}
        rows = []
        try:
            deadline = time.monotonic() + 60
            while (
                requests.get(f"{urls['metrics']}/api/v1/metrics/summary", headers={"X-Internal-Token": TOKEN}, timeout=10).json()[
                    "as_of_seq"
                ]
                == 0
            ):
                if time.monotonic() > deadline:
                    raise RuntimeError("the follower did not catch up")
                time.sleep(0.2)
            for tier in ("memory", "redis"):  # warm: every process has the answer (or Redis has)
                for _ in range(20):
                    assert requests.get(f"{urls[tier]}/api/v1/metrics/summary", headers=keyed, timeout=10).status_code == 200
            print(f"{args.clients} client threads, {args.seconds:g} s per case, {args.workers} gateway workers x 8 threads")
            for round_ in range(1, args.rounds + 1):
                memory = hammer(f"{urls['memory']}/api/v1/metrics/summary", keyed, args.clients, args.seconds)
                shared_ = hammer(f"{urls['redis']}/api/v1/metrics/summary", keyed, args.clients, args.seconds)
                rows.append(shared_["rps"] / memory["rps"])
                for label, result in (("memory", memory), ("redis", shared_)):
                    print(
                        f"round {round_} {label:7s} {result['rps']:8.0f} req/s  p50 {result['p50']:7.1f} ms  "
                        f"p99 {result['p99']:7.1f} ms  errors {result['errors']}"
                    )
                print(f"round {round_} ratio redis / memory: {rows[-1]:.3f}")
        finally:
            stop(*processes)
            client = redis.Redis.from_url(args.redis)
            keys = list(client.scan_iter(f"{prefix}:*"))
            if keys:
                client.delete(*keys)  # this run's keys only
    print(f"ratio redis / memory, min / median / max: {min(rows):.3f} / {statistics.median(rows):.3f} / {max(rows):.3f}")


if __name__ == "__main__":
    main()
