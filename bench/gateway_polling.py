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

import requests
from load import hammer
from processes import ADMIN, INTERNAL, running_stack, wait_until_caught_up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="8,64", help="comma-separated client thread counts, each measured in this run")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    concurrency = [int(n) for n in args.clients.split(",")]
    with running_stack(
        "ecoreg_bench_gw",
        seed=True,
        service_workers=args.workers,
        gateway_workers=args.workers,
        env={"GATEWAY_KEY_CACHE_SECONDS": os.environ.get("GATEWAY_KEY_CACHE_SECONDS", "10")},
    ) as stack:
        urls = stack.urls
        wait_until_caught_up(urls["metrics"], timeout=30)
        direct, keyed = INTERNAL, ADMIN
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
        results = {
            (clients, label): hammer(url, headers, clients, args.seconds) for clients in concurrency for label, url, headers in cases
        }

    print(f"{args.seconds:g} s per case, {args.workers} gunicorn workers per service, PostgreSQL")
    for clients in concurrency:
        print(f"-- {clients} client threads")
        for (at, label), figures in results.items():
            if at == clients:
                print(
                    f"{label:36} {figures['rps']:8.0f} req/s   p50 {figures['p50']:6.1f} ms   p99 {figures['p99']:6.1f} ms   "
                    f"errors {figures['errors']}"
                )

        def ratio(kind: str, through: str, directly: str, *, at: int = clients) -> float:
            return results[(at, f"{kind}: {through}")]["rps"] / results[(at, f"{kind}: {directly}")]["rps"]

        print(f"polling, gateway / direct:      {ratio('dashboard poll', 'through gateway', 'metrics directly'):.2f}  (goal: far above 1)")
        print(f"entity read, gateway / direct:  {ratio('entity read', 'through gateway', 'registry directly'):.2f}  (goal >= 0.7)")
        print(f"list of 100, gateway / direct:  {ratio('list of 100', 'through gateway', 'registry directly'):.2f}  (goal >= 0.85)")


if __name__ == "__main__":
    main()
