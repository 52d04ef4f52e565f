"""PostgreSQL restarts under the running services: they recover by themselves and lose nothing.

The test runs its own PostgreSQL server (conftest.private_postgres: initdb into a
temporary directory, a port of its own), so restarting it disturbs no other test.
"""

from __future__ import annotations

import time

import pytest
import requests

pytestmark = pytest.mark.slow
ADMIN_KEY = "restart-admin-key"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def eventually(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.25)


def test_the_services_ride_out_a_database_restart(private_postgres, make_stack, tmp_path):  # the server outlives the stack
    stack = make_stack(
        "postgresql",
        postgres_base=private_postgres.url,
        GATEWAY_ADMIN_KEY=ADMIN_KEY,
        INTERNAL_TOKEN="restart-token",
        GATEWAY_BREAKER_RESET_SECONDS="1",
    )
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name, log_path=tmp_path / f"{name}.log")  # kept: a failure's cause is in them
    gateway = stack.gateway_url

    def register(n: int) -> requests.Response:
        body = {
            "kind": "lab",
            "subtype": "national_lab",
            "tier": "national",
            "name": f"Restart Lab {n}",
            "clusters": ["space"],
            "external_id": f"lab-{n}",
        }
        return requests.post(f"{gateway}/api/v1/entities", json=body, headers=ADMIN, timeout=15)

    dropped: list[str] = []  # connections the gateway dropped while polling (see below)

    def space_labs() -> int:
        try:
            answer = requests.get(f"{gateway}/api/v1/metrics/counts", params={"cluster": "space", "kind": "lab"}, timeout=15)
        except requests.ConnectionError as error:
            # Seen once in a loaded full-suite run, just after the registry recovered: a reset
            # connection on one poll. Polling goes on (a dashboard would poll again), and the
            # processes' logs in tmp_path say why when the count then never comes.
            dropped.append(repr(error))
            return -1
        return answer.json()["groups"][0]["count"] if answer.status_code == 200 else -1

    acknowledged = [register(n).json()["id"] for n in range(5)]
    assert eventually(lambda: space_labs() == 5)

    private_postgres.stop()
    during = [register(100 + n) for n in range(3)]
    assert all(answer.status_code == 503 for answer in during), [answer.status_code for answer in during]
    assert all(answer.headers.get("Retry-After") for answer in during)
    assert all(answer.headers["Content-Type"] == "application/problem+json" for answer in during)

    private_postgres.start()
    assert eventually(lambda: register(200).status_code == 201), "the registry did not recover without a restart"
    for entity_id in acknowledged:  # nothing written before the outage is lost
        assert requests.get(f"{gateway}/api/v1/entities/{entity_id}", timeout=15).status_code == 200
    assert eventually(lambda: space_labs() == 6), f"the follower did not recover without a restart ({dropped}; logs: {tmp_path})"
    assert len(dropped) <= 1, dropped
    assert all(process.poll() is None for process in stack.processes.values()), "a process died"
