"""Dashboard polling and entity reads through the gateway, against calling the services directly.

Registry, metrics (caught up with sample data) and the gateway run as processes
under gunicorn, as `make run` runs them. A pool of client threads (8, then 64,
in one run) sends requests for a fixed time, each direct case and its gateway
case taking turns every second (load.hammer_alternating), so that the
shared machine's changing load falls on both alike; each figure is requests/s
with p50 and p99 latency. Goals (issue #11): polling through the gateway far above the
metrics service directly (the gateway's answer cache makes that possible); a
proxied entity read at least 0.7x the registry's direct rate and a proxied list
of 100 entities at least 0.85x. Beside the entity read, in the same turns, a bare
proxy (bare_proxy.py: Flask and libcurl, no keys, limits or breaker) under the same
gunicorn settings: the ratio any proxy so built reaches on this machine.

Beside each rate, the servers' CPU per answered request (user + system from
/proc, `server_cpu.CpuMeter`, over that case's turns only): the process trees
of the registry, metrics, the gateway and the bare proxy together (what
serving the case cost, wherever it ran; the follower and PostgreSQL are left
out), and this client's. Then, per goal, direct CPU / gateway CPU per request
beside gateway / direct rate. Why both: one Python `requests` client shares the
2 cores and tops out around 440-1,100 req/s against a hello-world app, so the
rates are partly the client's and their ratio is pulled toward 1; the CPU
ratio is what the gateway adds to a request, however fast the client asks.
"""

from __future__ import annotations

import argparse
import os

import requests
from load import hammer_alternating, spread
from processes import ADMIN, INTERNAL, ROOT, TOKEN, gunicorn, running_stack, stop, wait_until_caught_up
from server_cpu import CpuMeter, only, tree

from ecoreg_common.testing import free_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="8,64", help="comma-separated client thread counts, each measured in this run")
    parser.add_argument("--seconds", type=float, default=5.0, help="per case: a direct case and its gateway case take turns for twice this")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="repeat every case; ratios as min / median / max")
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
        # The ceiling for the proxied read: a proxy with only the exchange (bare_proxy.py), same gunicorn settings.
        bare_port = free_port()
        bare = gunicorn(
            "bare_proxy:app",
            bare_port,
            {
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"), os.environ.get("PYTHONPATH")])),
                "BARE_PROXY_UPSTREAM": urls["registry"],
                "BARE_PROXY_TOKEN": TOKEN,
            },
            workers=args.workers,
            threads=8,
        )
        cases = [
            ("dashboard poll: metrics directly", f"{urls['metrics']}/api/v1/metrics/summary", direct),
            ("dashboard poll: through gateway", f"{urls['gateway']}/api/v1/metrics/summary", keyed),
            ("entity read: registry directly", f"{urls['registry']}/api/v1/entities/{entity_id}", direct),
            ("entity read: through gateway", f"{urls['gateway']}/api/v1/entities/{entity_id}", keyed),
            ("entity read: through a bare proxy", f"http://127.0.0.1:{bare_port}/api/v1/entities/{entity_id}", direct),
            ("list of 100: registry directly", f"{urls['registry']}/api/v1/entities?limit=100", direct),
            ("list of 100: through gateway", f"{urls['gateway']}/api/v1/entities?limit=100", keyed),
        ]
        # Every server's tree in every case's meter: a proxied case's cost is the gateway's and
        # the service's together, and a direct case's the service's alone.
        servers = {name: tree(stack.processes[name].pid) for name in ("registry", "metrics", "gateway")}
        servers["bare proxy"] = tree(bare.pid)
        rounds = []
        try:
            for _ in range(args.rounds):
                results = {}
                for clients in concurrency:
                    # Each direct case and its gateway case (and the bare proxy) take turns
                    # (load.hammer_alternating): all see the same drift of the shared machine's load,
                    # so their ratio is what is left.
                    for group in (cases[0:2], cases[2:5], cases[5:7]):
                        meters = [CpuMeter(**servers, client=only(os.getpid())) for _ in group]
                        figures = hammer_alternating(
                            [(url, headers) for _, url, headers in group], clients, len(group) * args.seconds, meters=meters
                        )
                        for figure, meter in zip(figures, meters, strict=True):
                            answers = int(figure["answers"])
                            figure["cpu"] = meter.total(*servers) * 1000 / answers if answers else float("nan")
                            figure["client_cpu"] = meter.per_request("client", answers)
                        results.update({(clients, label): figure for (label, _, _), figure in zip(group, figures, strict=True)})
                rounds.append(results)
        finally:
            stop(bare)

    print(f"{args.seconds:g} s per case, {args.workers} gunicorn workers per service, PostgreSQL, {args.rounds} round(s)")
    goals = [
        ("polling, gateway / direct", "dashboard poll: through gateway", "dashboard poll: metrics directly", "goal: far above 1"),
        ("entity read, gateway / direct", "entity read: through gateway", "entity read: registry directly", "goal >= 0.7"),
        (
            "entity read, bare proxy / direct",
            "entity read: through a bare proxy",
            "entity read: registry directly",
            "the ceiling: a proxy with nothing but the exchange",
        ),
        ("list of 100, gateway / direct", "list of 100: through gateway", "list of 100: registry directly", "goal >= 0.85"),
    ]
    for clients in concurrency:
        print(f"-- {clients} client threads")
        for number, results in enumerate(rounds, 1):
            for (at, label), figures in results.items():
                if at == clients:
                    print(
                        f"[{number}] {label:36} {figures['rps']:8.0f} req/s   p50 {figures['p50']:6.1f} ms   "
                        f"p99 {figures['p99']:6.1f} ms   errors {figures['errors']}   "
                        f"CPU per request: servers {figures['cpu']:5.2f} ms, client {figures['client_cpu']:5.2f} ms"
                    )
        for title, measured, baseline, goal in goals:
            figures = spread(results[(clients, measured)]["rps"] / results[(clients, baseline)]["rps"] for results in rounds)
            print(f"{title + ':':34} {figures}  (min / median / max; {goal})")
            # The same comparison on the servers' CPU: direct CPU / gateway CPU per request.
            figures = spread(results[(clients, baseline)]["cpu"] / results[(clients, measured)]["cpu"] for results in rounds)
            print(f"{'  servers CPU per request, inverse:':34} {figures}  (direct CPU / this case's CPU per request)")


if __name__ == "__main__":
    main()
