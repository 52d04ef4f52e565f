"""One realistic session through the gateway, on the stack as it is deployed.

A partner loads a few hundred entities in batches, a dashboard polls the energy
overview and sees the counts and the hydrogen-station target move, an admin
changes a target, an entity is retired. It runs against the services as
processes under gunicorn on PostgreSQL and Redis (the commands and variables of
the containers), and against `docker compose up` where a Docker engine is reachable.
"""

from __future__ import annotations

import gc
import os
import subprocess
import time
import uuid
import warnings
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
ADMIN_KEY = "session-admin-key"


def eventually(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def station(n: int, **overrides) -> dict:
    return {
        "kind": "facility",
        "subtype": "hydrogen_station",
        "name": f"Session Hydrogen Station {n}",
        "clusters": ["energy"],
        "tracks": ["hydrogen"],
        "district": ["pudong", "jiading", "fengxian"][n % 3],
        "external_id": f"station-{n}",
        **overrides,
    }


def enterprise(n: int) -> dict:
    return {
        "kind": "enterprise",
        "subtype": "high_tech",
        "name": f"Session Enterprise {n}",
        "clusters": ["energy", "materials"],
        "external_id": f"ent-{n}",
    }


def drive_session(gateway: str, admin_key: str) -> None:
    admin = {"Authorization": f"Bearer {admin_key}"}
    created = requests.post(
        f"{gateway}/api/v1/keys", json={"partner": "energy-bureau", "scopes": ["entities:write"]}, headers=admin, timeout=10
    )
    assert created.status_code == 201, created.text
    partner = {"Authorization": f"Bearer {created.json()['key']}"}

    def overview() -> dict:
        answer = requests.get(f"{gateway}/api/v1/clusters/energy/overview", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def stations_target(body: dict) -> dict:
        return next(t for t in body["targets"] if t["key"] == "hydrogen_stations")

    start = overview()
    assert start["degraded"] is False
    before_active = start["counts"]["active_entities"]
    before_stations = stations_target(start)["current_value"]

    # The partner loads 300 entities in batches of 100 (30 of them hydrogen stations).
    items = [station(n) for n in range(30)] + [enterprise(n) for n in range(270)]
    for first in range(0, len(items), 100):
        answer = requests.post(
            f"{gateway}/api/v1/entities/batch", json={"entities": items[first : first + 100]}, headers=partner, timeout=60
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["summary"]["created"] == 100

    # The dashboard keeps polling and sees the counts and the attainment move.
    moved = eventually(lambda: overview()["counts"]["active_entities"] == before_active + 300)
    assert moved, overview()["counts"]
    after = overview()
    target = stations_target(after)
    assert target["current_value"] == before_stations + 30
    assert target["attainment"] == pytest.approx((before_stations + 30) / 70, abs=1e-3)

    # An admin changes the target; its attainment follows at once.
    changed = {k: target[k] for k in ("title_en", "title_zh", "cluster", "measure", "filter", "unit", "direction")}
    replaced = requests.put(
        f"{gateway}/api/v1/targets/hydrogen_stations",
        json={**changed, "target_value": 35, "deadline": "2025-12-31"},
        headers=admin,
        timeout=10,
    )
    assert replaced.status_code == 200, replaced.text
    assert eventually(lambda: stations_target(overview())["target_value"] == 35)
    assert stations_target(overview())["attainment"] == pytest.approx((before_stations + 30) / 35, abs=1e-3)

    # A station is retired: it leaves the counts.
    newest = requests.get(f"{gateway}/api/v1/entities", params={"q": "Session Hydrogen Station 7"}, timeout=10).json()["items"][0]
    assert requests.delete(f"{gateway}/api/v1/entities/{newest['id']}", headers=partner, timeout=10).status_code == 204
    assert eventually(lambda: stations_target(overview())["current_value"] == before_stations + 29)
    assert requests.get(f"{gateway}/api/v1/entities/{newest['id']}", timeout=10).status_code == 404


def test_the_session_on_the_services_as_processes(make_stack, shared_redis):
    stack = make_stack("postgresql", GATEWAY_ADMIN_KEY=ADMIN_KEY, INTERNAL_TOKEN=uuid.uuid4().hex, **shared_redis)
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)
    drive_session(stack.gateway_url, ADMIN_KEY)


def docker_engine_problem() -> str | None:
    """Why no Docker engine can be used here, or None when one answers."""
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists():
        return "DOCKER_HOST is unset and /var/run/docker.sock does not exist"
    import docker

    with warnings.catch_warnings():
        # The SDK leaves a socket open when the engine refuses; collect it here, quietly.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            client = docker.from_env(timeout=5)
            try:
                client.ping()
            finally:
                client.close()
        except Exception as error:  # noqa: BLE001 - any failure means no usable engine
            return f"{type(error).__name__}: {error}"
        finally:
            gc.collect()
    return None


def test_the_session_under_docker_compose(tmp_path):
    problem = docker_engine_problem()
    if problem:
        pytest.skip(f"no Docker engine is reachable ({problem}); docker-compose.yml was checked statically only (test_docker_compose.py)")
    project = f"ecoregtest{uuid.uuid4().hex[:8]}"
    port = 18000 + int(uuid.uuid4().int % 1000)
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"POSTGRES_PASSWORD={uuid.uuid4().hex}\nINTERNAL_TOKEN={uuid.uuid4().hex}\nGATEWAY_ADMIN_KEY={ADMIN_KEY}\nGATEWAY_PUBLISH={port}\n"
    )
    compose = ["docker", "compose", "--project-name", project, "--env-file", str(env_file), "--file", str(ROOT / "docker-compose.yml")]
    try:
        subprocess.run(
            [*compose, "up", "--detach", "--build", "--wait", "--wait-timeout", "600"], cwd=ROOT, check=True, timeout=1200, env=os.environ
        )
        drive_session(f"http://127.0.0.1:{port}", ADMIN_KEY)
    finally:
        subprocess.run([*compose, "down", "--volumes", "--remove-orphans"], cwd=ROOT, check=False, timeout=300)
