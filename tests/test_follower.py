"""The metrics follower against a real registry: counts equal the registry's truth, whatever happens.

Registry, metrics and the follower run as `make run` runs them. The truth is
computed from the registry's own list of live entities.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter

import pytest
import requests

pytestmark = pytest.mark.slow
BACKENDS = ["sqlite", "postgresql"]
ALL_STATUSES = "planned,building,active,inactive,closed"
PARTNER = {"X-Ecoreg-Partner": "loader"}
KINDS = [("enterprise", "high_tech", "none"), ("tech_centre", "enterprise_tech_centre", "national"), ("lab", "national_lab", "national")]
PLACES = [
    (["energy"], ["hydrogen"]),
    (["materials", "energy"], ["graphene"]),
    (["intelligence"], ["general_ai", "quantum"]),
    (["health"], []),
]


def item(n: int, **overrides) -> dict:
    kind, subtype, tier = KINDS[n % len(KINDS)]
    clusters, tracks = PLACES[n % len(PLACES)]
    body = {
        "kind": kind,
        "subtype": subtype,
        "tier": tier,
        "name": f"Entity {n}",
        "clusters": clusters,
        "tracks": tracks,
        "district": ["pudong", "jiading", "minhang"][n % 3],
        "status": ["active", "building", "inactive"][n % 3],
        "external_id": f"e-{n}",
    }
    body.update(overrides)
    return body


def load(registry: str, items: list[dict]) -> None:
    for start in range(0, len(items), 500):
        response = requests.post(
            f"{registry}/api/v1/entities/batch", json={"entities": items[start : start + 500]}, headers=PARTNER, timeout=60
        )
        response.raise_for_status()
        assert response.json()["summary"]["error"] == 0, response.json()


def registry_truth(registry: str) -> Counter:
    truth: Counter = Counter()
    cursor = None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = requests.get(f"{registry}/api/v1/entities", params=params, timeout=10).json()
        for entity in page["items"]:
            for cluster in entity["clusters"]:
                truth[(cluster, entity["kind"], entity["status"])] += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return truth


def metrics_counts(metrics: str) -> Counter:
    body = requests.get(
        f"{metrics}/api/v1/metrics/counts", params={"group_by": "cluster,kind,status", "status": ALL_STATUSES}, timeout=10
    ).json()
    return Counter({(g["cluster"], g["kind"], g["status"]): g["count"] for g in body["groups"]})


def wait_caught_up(metrics: str, registry: str, timeout: float = 60) -> dict:
    latest = requests.get(f"{registry}/api/v1/changes", params={"after": 0, "limit": 1}, timeout=10).json()["latest_seq"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        summary = requests.get(f"{metrics}/api/v1/metrics/summary", timeout=10).json()
        if summary["as_of_seq"] >= latest:
            return summary
        time.sleep(0.1)
    raise AssertionError(f"the follower did not reach seq {latest} in {timeout} s")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_registration_shows_in_the_counts_and_resync_rebuilds_them(make_stack, backend):
    stack = make_stack(backend)
    for name in ("registry", "metrics", "follower"):
        stack.start(name)
    requests.post(f"{stack.registry_url}/api/v1/entities", json=item(1, status="active"), headers=PARTNER, timeout=10).raise_for_status()
    started = time.monotonic()
    while time.monotonic() - started < 15:
        if metrics_counts(stack.metrics_url) == registry_truth(stack.registry_url):
            break
        time.sleep(0.05)
    assert metrics_counts(stack.metrics_url) == registry_truth(stack.registry_url)

    # resync rebuilds the same read model from the first change
    stack.stop("follower")
    load(stack.registry_url, [item(n) for n in range(2, 40)])
    stack.cli("ecoreg-metrics", "resync")
    assert metrics_counts(stack.metrics_url) == registry_truth(stack.registry_url)
    # ... and the history, whose series starts at the first change (today, here)
    series = requests.get(f"{stack.metrics_url}/api/v1/metrics/history?metric=count", timeout=10).json()["points"]
    assert series[0]["value"] == requests.get(f"{stack.metrics_url}/api/v1/metrics/counts", timeout=10).json()["groups"][0]["count"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_at_any_moment_then_restart_gives_exact_counts(make_stack, backend):
    stack = make_stack(backend, METRICS_FOLLOW_BATCH="40", METRICS_FOLLOW_INTERVAL_SECONDS="0.02")
    stack.start("registry")
    stack.start("metrics")
    load(stack.registry_url, [item(n) for n in range(1200)])

    stop_writing = threading.Event()
    failures: list[BaseException] = []

    def keep_writing() -> None:
        rng = random.Random(7)
        try:
            n = 0
            while not stop_writing.is_set():
                n += 1
                load(stack.registry_url, [item(k, status=rng.choice(["active", "closed", "planned"])) for k in rng.sample(range(1400), 30)])
                target = rng.randrange(1200)
                found = requests.get(
                    f"{stack.registry_url}/api/v1/entities", params={"q": f"Entity {target}", "limit": 1}, timeout=10
                ).json()["items"]
                if found and found[0]["name"] == f"Entity {target}":
                    requests.delete(f"{stack.registry_url}/api/v1/entities/{found[0]['id']}", headers=PARTNER, timeout=10)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    rng = random.Random(42)
    try:
        for _ in range(6):
            follower = stack.start("follower")
            time.sleep(rng.uniform(0.2, 1.2))
            follower.send_signal(signal.SIGKILL)
            follower.wait(timeout=10)
            stack.processes.pop("follower")
    finally:
        stop_writing.set()
        writer.join(timeout=60)
    assert not failures, failures

    stack.start("follower")
    summary = wait_caught_up(stack.metrics_url, stack.registry_url)
    assert summary["behind_changes"] == 0
    assert metrics_counts(stack.metrics_url) == registry_truth(stack.registry_url)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_service_answers_while_the_registry_is_down_and_catches_up_after(make_stack, backend):
    stack = make_stack(backend, METRICS_FOLLOW_INTERVAL_SECONDS="0.05")
    for name in ("registry", "metrics", "follower"):
        stack.start(name)
    load(stack.registry_url, [item(n) for n in range(20)])
    wait_caught_up(stack.metrics_url, stack.registry_url)

    stack.stop("registry")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        summary = requests.get(f"{stack.metrics_url}/api/v1/metrics/summary", timeout=10)
        assert summary.status_code == 200
        if summary.json()["last_error"]:
            break
        time.sleep(0.1)
    assert summary.json()["last_error"], "the follower did not report the registry as unreachable"
    assert requests.get(f"{stack.metrics_url}/api/v1/metrics/counts", timeout=10).json()["groups"][0]["count"] > 0
    assert requests.get(f"{stack.metrics_url}/readyz", timeout=10).status_code == 200

    stack.start("registry")
    load(stack.registry_url, [item(n) for n in range(20, 30)])
    summary = wait_caught_up(stack.metrics_url, stack.registry_url)
    assert summary["last_error"] is None
    assert metrics_counts(stack.metrics_url) == registry_truth(stack.registry_url)
