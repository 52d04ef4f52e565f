"""A bounded load test through the gateway: mixed registrations and dashboard polls.

Several threads, a few thousand requests in all, loopback only, stopping by
itself. No answer may be a 5xx, and every acknowledged entity must be in the
registry and counted by the metrics. The error rate and p99 are printed.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter

import pytest
import requests

pytestmark = pytest.mark.slow
ADMIN_KEY = "load-admin-key"
WRITERS, POLLERS = 3, 3
SECONDS = 15.0
MAX_REQUESTS = 4000


def test_mixed_load_through_the_gateway(make_stack):
    stack = make_stack(
        "postgresql",
        GATEWAY_ADMIN_KEY=ADMIN_KEY,
        INTERNAL_TOKEN="load-token",
        GATEWAY_KEY_LIMIT="1000000/minute",
        GATEWAY_ANONYMOUS_LIMIT="1000000/minute",
        METRICS_FOLLOW_INTERVAL_SECONDS="0.05",
    )
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)
    gateway = stack.gateway_url
    keys = []
    for n in range(WRITERS):
        answer = requests.post(
            f"{gateway}/api/v1/keys",
            json={"partner": f"loader-{n}", "scopes": ["entities:write"]},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
            timeout=10,
        )
        keys.append({"Authorization": f"Bearer {answer.json()['key']}"})

    statuses: Counter = Counter()
    latencies: list[float] = []
    acknowledged: list[int] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS
    sent = [0]

    def budget() -> bool:
        with lock:
            sent[0] += 1
            return sent[0] <= MAX_REQUESTS and time.monotonic() < stop_at

    def record(answer: requests.Response, started: float) -> None:
        with lock:
            statuses[answer.status_code] += 1
            latencies.append(time.perf_counter() - started)

    def writer(n: int) -> None:
        with requests.Session() as http:
            i = 0
            while budget():
                i += 1
                started = time.perf_counter()
                body = {"kind": "enterprise", "name": f"Load {n}-{i}", "clusters": ["intelligence"], "external_id": f"load-{n}-{i}"}
                answer = http.post(f"{gateway}/api/v1/entities", json=body, headers=keys[n], timeout=30)
                record(answer, started)
                if answer.status_code == 201:
                    with lock:
                        acknowledged.append(answer.json()["id"])

    def poller(n: int) -> None:
        paths = [
            "/api/v1/dashboard",
            "/api/v1/clusters/intelligence/overview",
            "/api/v1/metrics/summary",
            "/api/v1/metrics/counts?group_by=cluster,kind",
        ]
        with requests.Session() as http:
            etags: dict[str, str] = {}
            i = 0
            while budget():
                path = paths[i % len(paths)]
                i += 1
                started = time.perf_counter()
                answer = http.get(f"{gateway}{path}", headers={"If-None-Match": etags.get(path, "")}, timeout=30)
                record(answer, started)
                if "ETag" in answer.headers:
                    etags[path] = answer.headers["ETag"]

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)] + [
        threading.Thread(target=poller, args=(n,)) for n in range(POLLERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)

    total = sum(statuses.values())
    errors = sum(count for status, count in statuses.items() if status >= 400)
    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000
    print(
        f"\nload: {total} requests in {SECONDS:g} s, statuses {dict(sorted(statuses.items()))}, error rate {errors / total:.2%}, "
        f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99:.1f} ms, {len(acknowledged)} entities acknowledged"
    )
    assert total > 200
    assert not [status for status in statuses if status >= 500], statuses

    # No lost write: every acknowledged entity is in the registry and counted.
    for entity_id in acknowledged:
        assert requests.get(f"{gateway}/api/v1/entities/{entity_id}", timeout=10).status_code == 200

    def counted() -> int:
        answer = requests.get(f"{gateway}/api/v1/metrics/counts", params={"cluster": "intelligence", "kind": "enterprise"}, timeout=10)
        return answer.json()["groups"][0]["count"]

    deadline = time.monotonic() + 30  # a fresh stack: the load's entities are all there is in this group
    while counted() != len(acknowledged) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert counted() == len(acknowledged)
