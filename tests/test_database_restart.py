"""PostgreSQL restarts under the running services: they recover by themselves and lose nothing.

The test runs its own PostgreSQL server (initdb into a temporary directory, a
port of its own), so restarting it disturbs no other test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from ecoreg_common.testing import free_port

pytestmark = pytest.mark.slow
ADMIN_KEY = "restart-admin-key"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=120)


class PrivatePostgres:
    def __init__(self):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="ecoreg-pg-"))
        shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        as_postgres("initdb", "--pgdata", str(self.data), "--username", "root", "--auth", "trust", "--no-sync")
        self.url = f"postgresql+psycopg://root@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        as_postgres("pg_ctl", "--pgdata", str(self.data), "--options", options, "--wait", "--log", str(self.directory / "log"), "start")

    def stop(self) -> None:
        as_postgres("pg_ctl", "--pgdata", str(self.data), "--mode", "fast", "--wait", "stop")

    def destroy(self) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "pg_ctl", "--pgdata", str(self.data), "--mode", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres():
    if os.geteuid() != 0 or not all(shutil.which(tool) for tool in ("runuser", "initdb", "pg_ctl")):
        pytest.skip("a private PostgreSQL server needs root, runuser, initdb and pg_ctl")
    server = PrivatePostgres()
    server.start()
    yield server
    server.destroy()


def eventually(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.25)


def test_the_services_ride_out_a_database_restart(private_postgres, make_stack):  # the server outlives the stack
    stack = make_stack(
        "postgresql",
        postgres_base=private_postgres.url,
        GATEWAY_ADMIN_KEY=ADMIN_KEY,
        INTERNAL_TOKEN="restart-token",
        GATEWAY_BREAKER_RESET_SECONDS="1",
    )
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)
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

    def space_labs() -> int:
        answer = requests.get(f"{gateway}/api/v1/metrics/counts", params={"cluster": "space", "kind": "lab"}, timeout=15)
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
    assert eventually(lambda: space_labs() == 6), "the follower did not recover without a restart"
    assert all(process.poll() is None for process in stack.processes.values()), "a process died"
