"""Dashboard polling and entity reads through the gateway, against calling the services directly.

Registry, metrics (caught up with sample data) and the gateway run as processes
under gunicorn, as `make run` runs them. A pool of client threads (8, then 64,
in one run) sends requests for a fixed time; each figure is requests/s with p50
and p99 latency. Goals (issue #11): polling through the gateway far above the
metrics service directly (the gateway's answer cache makes that possible); a
proxied entity read at least 0.7x the registry's direct rate and a proxied list
of 100 entities at least 0.85x.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import requests
from load import hammer
from processes import BIN, gunicorn, start, stop

from ecoreg_common.testing import free_port, fresh_postgres_database
from gateway import migrate as gateway_migrate
from metrics import migrate as metrics_migrate
from registry import migrate as registry_migrate
from registry import sample_data
from registry.config import Settings as RegistrySettings

TOKEN = "bench-internal-token"
GATEWAY_THREADS = 8  # as in the Procfile
SERVICE_THREADS = 4
ADMIN_KEY = "bench-admin-key"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="8,64", help="comma-separated client thread counts, each measured in this run")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="repeat every case; ratios as min / median / max")
    args = parser.parse_args()
    concurrency = [int(n) for n in args.clients.split(",")]
    base = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or "postgresql+psycopg://root@127.0.0.1:5432/test"

    with (
        fresh_postgres_database(base, "ecoreg_bench_gw_reg") as registry_db,
        fresh_postgres_database(base, "ecoreg_bench_gw_met") as metrics_db,
        fresh_postgres_database(base, "ecoreg_bench_gw_gw") as gateway_db,
    ):
        registry_migrate.upgrade(registry_db)
        metrics_migrate.upgrade(metrics_db)
        gateway_migrate.upgrade(gateway_db)
        from ecoreg_common.db import Database

        seeded = Database(RegistrySettings(database_url=registry_db).database_url)
        sample_data.load(seeded)
        seeded.dispose()

        ports = {name: free_port() for name in ("registry", "metrics", "gateway")}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        env = {
            "REGISTRY_DATABASE_URL": registry_db,
            "METRICS_DATABASE_URL": metrics_db,
            "GATEWAY_DATABASE_URL": gateway_db,
            "REGISTRY_URL": urls["registry"],
            "METRICS_URL": urls["metrics"],
            "INTERNAL_TOKEN": TOKEN,
            "GATEWAY_ADMIN_KEY": ADMIN_KEY,
            # Measure the proxy, not the limiter: a benchmark client is one key.
            "GATEWAY_KEY_LIMIT": "1000000/minute",
            "GATEWAY_KEY_CACHE_SECONDS": os.environ.get("GATEWAY_KEY_CACHE_SECONDS", "10"),
        }
        processes = [
            gunicorn("registry:create_app()", ports["registry"], env, workers=args.workers, threads=SERVICE_THREADS),
            gunicorn("metrics:create_app()", ports["metrics"], env, workers=args.workers, threads=SERVICE_THREADS),
            start([str(BIN / "ecoreg-metrics"), "follow"], env),
            gunicorn("gateway:create_app()", ports["gateway"], env, workers=args.workers, threads=GATEWAY_THREADS),
        ]
        try:
            deadline = time.monotonic() + 30
            while requests.get(f"{urls['metrics']}/api/v1/metrics/summary", headers={"X-Internal-Token": TOKEN}, timeout=5).json()[
                "behind_changes"
            ] or (
                requests.get(f"{urls['metrics']}/api/v1/metrics/summary", headers={"X-Internal-Token": TOKEN}, timeout=5).json()[
                    "as_of_seq"
                ]
                == 0
            ):
                if time.monotonic() > deadline:
                    raise RuntimeError("the follower did not catch up")
                time.sleep(0.2)
            direct = {"X-Internal-Token": TOKEN}
            keyed = {"Authorization": f"Bearer {ADMIN_KEY}"}
            # Enough entities for a full page of 100.
            extra = [
                {"kind": "enterprise", "name": f"Bench Co {n}", "clusters": ["energy"], "tracks": ["hydrogen"], "external_id": f"bench-{n}"}
                for n in range(150)
            ]
            loaded = requests.post(
                f"{urls['registry']}/api/v1/entities/batch",
                json={"entities": extra},
                headers={**direct, "X-Ecoreg-Partner": "bench", "X-Ecoreg-Scopes": "admin"},
                timeout=60,
            )
            assert loaded.status_code < 300, loaded.text
            entity_id = requests.get(f"{urls['registry']}/api/v1/entities?limit=1", headers=direct, timeout=5).json()["items"][0]["id"]
            cases = [
                ("dashboard poll: metrics directly", f"{urls['metrics']}/api/v1/metrics/summary", direct),
                ("dashboard poll: through gateway", f"{urls['gateway']}/api/v1/metrics/summary", keyed),
                ("entity read: registry directly", f"{urls['registry']}/api/v1/entities/{entity_id}", direct),
                ("entity read: through gateway", f"{urls['gateway']}/api/v1/entities/{entity_id}", keyed),
                ("list of 100: registry directly", f"{urls['registry']}/api/v1/entities?limit=100", direct),
                ("list of 100: through gateway", f"{urls['gateway']}/api/v1/entities?limit=100", keyed),
            ]
            rounds = [
                {(clients, label): hammer(url, headers, clients, args.seconds) for clients in concurrency for label, url, headers in cases}
                for _ in range(args.rounds)
            ]
        finally:
            stop(*processes)

    print(f"{args.seconds:g} s per case, {args.workers} gunicorn workers per service, PostgreSQL, {args.rounds} round(s)")
    goals = [
        ("polling", "dashboard poll", "metrics directly", "goal: far above 1"),
        ("entity read", "entity read", "registry directly", "goal >= 0.7"),
        ("list of 100", "list of 100", "registry directly", "goal >= 0.85"),
    ]
    for clients in concurrency:
        print(f"-- {clients} client threads")
        for number, results in enumerate(rounds, 1):
            for (at, label), figures in results.items():
                if at == clients:
                    print(
                        f"[{number}] {label:36} {figures['rps']:8.0f} req/s   p50 {figures['p50']:6.1f} ms   "
                        f"p99 {figures['p99']:6.1f} ms   errors {figures['errors']}"
                    )
        for title, kind, directly, goal in goals:
            ratios = sorted(
                results[(clients, f"{kind}: through gateway")]["rps"] / results[(clients, f"{kind}: {directly}")]["rps"]
                for results in rounds
            )
            figures = " / ".join(f"{value:.2f}" for value in (ratios[0], statistics.median(ratios), ratios[-1]))
            print(f"{title + ', gateway / direct:':32} {figures}  (min / median / max; {goal})")


if __name__ == "__main__":
    main()
