"""The gateway's answer cache in Redis against the same cache in process memory, in one run.

Registry, metrics (caught up with the sample data) and two gateways run as
processes under gunicorn: one without Redis (answers cached in each process's
memory), one with `REDIS_URL` (answers shared through Redis, under a key prefix
of this run's own). Client threads poll `/api/v1/metrics/summary` through each
gateway, alternately, for `--rounds` rounds; the cache's freshness is long
enough (`GATEWAY_CACHE_SECONDS`, 60 s) that every request is a hit. Prints
requests/s with p50/p99 and the ratio Redis / memory, min / median / max.
Goal (issue #14): at least 0.8.

Beside each rate, the CPU (user + system, from /proc, `server_cpu.CpuMeter`)
per answered request of that gateway's whole process tree (gunicorn master and
workers) over its turn, of the Redis server in the same turn (when it runs on
this machine: its pid from `INFO`), and of this client process. Why both: the
client is one Python `requests` process that tops out around 440-1,100 req/s
against a hello-world app on 2 cores, so a cache hit's rate is mostly the
client's and the rate ratio is pulled toward 1. The ratio of CPU per request,
memory tier's / Redis tier's, is what the Redis tier costs the gateway,
however fast the client asks; printed without and with the Redis server's
share. The rate ratio is kept: it is what earlier runs recorded.
"""

from __future__ import annotations

import argparse
import os
import uuid
from pathlib import Path

import redis
import requests
from load import hammer, spread
from processes import ADMIN, running_stack, wait_until_caught_up
from server_cpu import CpuMeter, only, tree


def redis_server_pid(client: redis.Redis) -> int | None:
    """The Redis server's pid if it runs on this machine (its /proc entry is there and is
    redis-server), else None: then its CPU is not measured."""
    pid = int(client.info("server")["process_id"])
    try:
        command = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None
    return pid if command.startswith("redis") else None


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
            redis_pid = redis_server_pid(redis.Redis.from_url(args.redis))
            if redis_pid is None:
                print("the Redis server is not on this machine: its CPU is not measured")
            for round_ in range(1, args.rounds + 1):
                results = {}
                for tier in ("memory", "redis"):
                    groups = {"server": tree(stack.processes[tier].pid), "client": only(os.getpid())}
                    if redis_pid is not None:
                        groups["redis-server"] = only(redis_pid)
                    with CpuMeter(**groups) as meter:
                        result = hammer(f"{urls[tier]}/api/v1/metrics/summary", keyed, args.clients, args.seconds)
                    answers = int(result["answers"])
                    result["cpu"] = meter.per_request("server", answers)
                    result["redis_cpu"] = meter.per_request("redis-server", answers) if redis_pid is not None else 0.0
                    result["client_cpu"] = meter.per_request("client", answers)
                    lost = sum(meter.lost.values())
                    results[tier] = result
                    print(
                        f"round {round_} {tier:7s} {result['rps']:8.0f} req/s  p50 {result['p50']:7.1f} ms  "
                        f"p99 {result['p99']:7.1f} ms  errors {result['errors']}  CPU per request: "
                        f"gateway {result['cpu']:5.2f} ms, Redis server {result['redis_cpu']:5.2f} ms, "
                        f"client {result['client_cpu']:5.2f} ms"
                        + (f"  ({lost} processes ended during the turn: their CPU is missing)" if lost else "")
                    )
                memory, shared_ = results["memory"], results["redis"]
                # The Redis server's CPU in the memory tier's turn is other work (or none): only
                # the Redis tier's turn is charged with it.
                rows.append(
                    {
                        "rate": shared_["rps"] / memory["rps"],
                        "cpu": memory["cpu"] / shared_["cpu"],
                        "cpu_redis": memory["cpu"] / (shared_["cpu"] + shared_["redis_cpu"]),
                    }
                )
                print(
                    f"round {round_} redis / memory: rate {rows[-1]['rate']:.3f}; CPU per request, "
                    f"memory / redis {rows[-1]['cpu']:.3f} (with the Redis server's {rows[-1]['cpu_redis']:.3f})"
                )
    finally:
        client = redis.Redis.from_url(args.redis)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)  # this run's keys only

    print("min / median / max (goal >= 0.8):")
    print(f"  rate, redis / memory                              {spread([row['rate'] for row in rows], '.3f')}  (bounded by the client)")
    print(f"  CPU per request, memory / redis (gateways)        {spread([row['cpu'] for row in rows], '.3f')}")
    print(f"  CPU per request, memory / (redis + Redis server)  {spread([row['cpu_redis'] for row in rows], '.3f')}")


if __name__ == "__main__":
    main()
