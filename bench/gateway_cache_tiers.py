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
import uuid

import redis
import requests
from load import hammer
from processes import ADMIN, running_stack, wait_until_caught_up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    prefix = f"ecoreg-bench-{uuid.uuid4().hex[:12]}"
    gateways = {"memory": {}, "redis": {"REDIS_URL": args.redis, "GATEWAY_REDIS_KEY_PREFIX": prefix}}
    rows = []
    try:
        with running_stack(
            "ecoreg_bench_tiers", seed=True, gateways=gateways, gateway_workers=args.workers, env={"GATEWAY_CACHE_SECONDS": "60"}
        ) as stack:
            urls, keyed = stack.urls, ADMIN
            wait_until_caught_up(urls["metrics"])
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
        client = redis.Redis.from_url(args.redis)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)  # this run's keys only
    print(f"ratio redis / memory, min / median / max: {min(rows):.3f} / {statistics.median(rows):.3f} / {max(rows):.3f}")


if __name__ == "__main__":
    main()
