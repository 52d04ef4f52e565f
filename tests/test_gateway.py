"""The gateway in front of real registry and metrics processes, all started as `make run` starts them."""

from __future__ import annotations

import time

import pytest
import requests

pytestmark = pytest.mark.slow
ADMIN_KEY = "test-admin-key"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
TOKEN = "test-internal-token"


def entity(n: int, **overrides) -> dict:
    return {
        "kind": "enterprise",
        "name": f"Gateway Co {n}",
        "clusters": ["energy"],
        "tracks": ["hydrogen"],
        "external_id": f"gw-{n}",
        **overrides,
    }


def new_key(gateway: str, partner: str, *scopes: str) -> dict:
    response = requests.post(f"{gateway}/api/v1/keys", json={"partner": partner, "scopes": list(scopes)}, headers=ADMIN, timeout=10)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['key']}"}


def eventually(check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


@pytest.fixture
def stack(make_stack, request):
    backend = getattr(request, "param", "sqlite")
    stack = make_stack(
        backend,
        GATEWAY_ADMIN_KEY=ADMIN_KEY,
        INTERNAL_TOKEN=TOKEN,
        GATEWAY_BREAKER_RESET_SECONDS="1",
        GATEWAY_CACHE_SECONDS="1",
        METRICS_FOLLOW_INTERVAL_SECONDS="0.05",
    )
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)
    return stack


@pytest.mark.parametrize("stack", ["sqlite", "postgresql"], indirect=True)
def test_partners_register_and_the_counts_move(stack):
    gateway = stack.gateway_url
    acme = new_key(gateway, "acme", "entities:write")
    other = new_key(gateway, "other-co", "entities:write")

    def energy_count():
        return requests.get(f"{gateway}/api/v1/metrics/counts", params={"cluster": "energy"}, timeout=10).json()["groups"][0]["count"]

    before = energy_count()
    created = requests.post(f"{gateway}/api/v1/entities", json=entity(1), headers=acme, timeout=10)
    assert created.status_code == 201
    assert created.json()["source"] == "acme"
    assert created.headers["ETag"] == '"1"'
    assert eventually(lambda: energy_count() == before + 1)

    location = f"{gateway}{created.headers['Location']}"
    hijack = requests.patch(location, json={"name": "Mine"}, headers={**other, "If-Match": '"1"'}, timeout=10)
    assert hijack.status_code == 403
    assert hijack.headers["Content-Type"] == "application/problem+json"
    renamed = requests.patch(location, json={"name": "Renamed"}, headers={**acme, "If-Match": '"1"'}, timeout=10)
    assert renamed.status_code == 200
    assert renamed.headers["ETag"] == '"2"'
    assert requests.patch(location, json={"name": "Again"}, headers={**acme, "If-Match": '"1"'}, timeout=10).status_code == 412

    # A client cannot claim another identity through headers of its own.
    spoof = requests.post(
        f"{gateway}/api/v1/entities", json=entity(2), headers={**other, "X-Ecoreg-Partner": "acme", "X-Ecoreg-Scopes": "admin"}, timeout=10
    )
    assert spoof.json()["source"] == "other-co"


def test_keys_and_scopes(stack):
    gateway = stack.gateway_url
    reporter = new_key(gateway, "stats-bureau", "indicators:write")
    assert requests.post(f"{gateway}/api/v1/entities", json=entity(1), timeout=10).status_code == 401
    assert (
        requests.post(f"{gateway}/api/v1/entities", json=entity(1), headers={"Authorization": "Bearer nonsense"}, timeout=10).status_code
        == 401
    )
    assert requests.post(f"{gateway}/api/v1/entities", json=entity(1), headers=reporter, timeout=10).status_code == 403
    observed = requests.put(
        f"{gateway}/api/v1/indicators/fuel_cell_vehicles/observations/2025", json={"value": 9000}, headers=reporter, timeout=10
    )
    assert observed.status_code == 201
    assert observed.json()["source"] == "stats-bureau"
    assert requests.put(f"{gateway}/api/v1/targets/pilot_zones", json={}, headers=reporter, timeout=10).status_code == 403
    assert requests.post(f"{gateway}/api/v1/keys", json={"partner": "x", "scopes": []}, headers=reporter, timeout=10).status_code == 403

    mine = requests.get(f"{gateway}/api/v1/keys", headers=reporter, timeout=10).json()["keys"]
    assert [k["partner"] for k in mine] == ["stats-bureau"]
    assert "key" not in mine[0]
    everyone = requests.get(f"{gateway}/api/v1/keys", headers=ADMIN, timeout=10).json()["keys"]
    assert {k["partner"] for k in everyone} >= {"stats-bureau", "ecoreg-admin"}
    admin_id = next(k["id"] for k in everyone if k["partner"] == "ecoreg-admin")
    assert requests.delete(f"{gateway}/api/v1/keys/{admin_id}", headers=reporter, timeout=10).status_code == 404
    assert requests.delete(f"{gateway}/api/v1/keys/{mine[0]['id']}", headers=reporter, timeout=10).status_code == 204
    # revoked: at once in the process that revoked it, within GATEWAY_KEY_CACHE_SECONDS in the others
    assert eventually(
        lambda: all(requests.get(f"{gateway}/api/v1/keys", headers=reporter, timeout=10).status_code == 401 for _ in range(4))
    )


def test_services_refuse_calls_that_bypass_the_gateway(stack):
    assert requests.get(f"{stack.registry_url}/api/v1/entities", timeout=10).status_code == 401
    assert requests.get(f"{stack.metrics_url}/api/v1/metrics/summary", timeout=10).status_code == 401
    assert requests.get(f"{stack.registry_url}/healthz", timeout=10).status_code == 200


def test_polling_gets_304_and_sees_changes(stack):
    gateway = stack.gateway_url
    first = requests.get(f"{gateway}/api/v1/metrics/summary", timeout=10)
    again = requests.get(f"{gateway}/api/v1/metrics/summary", headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert again.status_code == 304
    dashboard = requests.get(f"{gateway}/api/v1/dashboard", timeout=10)
    assert dashboard.status_code == 200
    assert dashboard.json()["degraded"] is False
    assert len(dashboard.json()["clusters"]) == 5
    assert requests.get(f"{gateway}/api/v1/dashboard", headers={"If-None-Match": dashboard.headers["ETag"]}, timeout=10).status_code == 304

    requests.post(f"{gateway}/api/v1/entities", json=entity(1), headers=ADMIN, timeout=10).raise_for_status()

    def moved():
        answer = requests.get(f"{gateway}/api/v1/metrics/summary", headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
        return answer.status_code == 200 and answer.json()["active_entities"] == first.json()["active_entities"] + 1

    assert eventually(moved)


def test_an_upstream_down_degrades_then_recovers(stack):
    gateway = stack.gateway_url
    stack.stop("metrics")
    overview = requests.get(f"{gateway}/api/v1/clusters/energy/overview", timeout=10)
    assert overview.status_code == 200
    body = overview.json()
    assert body["degraded"] is True
    assert set(body["missing"]) == {"summary", "targets"}
    assert body["cluster"]["name_zh"] == "未来能源"
    assert body["recent_entities"] is not None
    down = requests.get(f"{gateway}/api/v1/targets/pilot_zones", timeout=10)
    assert down.status_code == 503
    assert down.headers["Content-Type"] == "application/problem+json"
    assert int(down.headers["Retry-After"]) >= 1
    assert requests.get(f"{gateway}/readyz", timeout=10).json()["upstreams"]["metrics"] == "unavailable"
    assert requests.get(f"{gateway}/api/v1/clusters/space/overview", timeout=10).json()["degraded"] is True

    # Then the registry too: nothing can answer, so 503 with Retry-After, never a hang or a trace.
    stack.stop("registry")
    for path in ("/api/v1/clusters/energy/overview", "/api/v1/dashboard", "/api/v1/entities"):
        gone = requests.get(f"{gateway}{path}", timeout=10)
        assert gone.status_code == 503, path
        assert gone.headers["Content-Type"] == "application/problem+json"
        assert int(gone.headers["Retry-After"]) >= 1

    stack.start("registry")
    stack.start("metrics")
    assert eventually(lambda: requests.get(f"{gateway}/api/v1/targets/pilot_zones", timeout=10).status_code == 200)
    assert eventually(lambda: requests.get(f"{gateway}/api/v1/clusters/energy/overview", timeout=10).json()["degraded"] is False)


def test_cached_answers_are_served_stale_while_an_upstream_is_down(make_stack, shared_redis):
    # Redis holds the answers, so every gateway process has the one polled before.
    stack = make_stack("sqlite", GATEWAY_ADMIN_KEY=ADMIN_KEY, INTERNAL_TOKEN=TOKEN, GATEWAY_CACHE_SECONDS="1", **shared_redis)
    for name in ("registry", "metrics", "gateway"):
        stack.start(name)
    polled = requests.get(f"{stack.gateway_url}/api/v1/metrics/summary", timeout=10)
    assert polled.status_code == 200
    stack.stop("metrics")
    time.sleep(1.2)  # past GATEWAY_CACHE_SECONDS: the gateway has to ask again
    for _ in range(3):
        stale = requests.get(f"{stack.gateway_url}/api/v1/metrics/summary", timeout=10)
        assert stale.status_code == 200  # the last answer, marked stale, rather than nothing
        assert "Warning" not in stale.headers  # obsolete since RFC 9111
        assert int(stale.headers["Age"]) >= 1  # older than max-age=0: stale (RFC 9111, 4.2)
        assert stale.headers["Cache-Control"].startswith("max-age=0, stale-if-error=")
        assert stale.json() == polled.json()
    assert requests.get(f"{stack.gateway_url}/api/v1/targets/pilot_zones", timeout=10).status_code == 503  # never polled


@pytest.mark.parametrize(("backend", "with_redis"), [("sqlite", False), ("postgresql", False), ("postgresql", True)])
def test_a_write_through_the_gateway_is_read_back_at_once(make_stack, request, backend, with_redis):
    extra = request.getfixturevalue("shared_redis") if with_redis else {}
    stack = make_stack(backend, GATEWAY_ADMIN_KEY=ADMIN_KEY, INTERNAL_TOKEN=TOKEN, GATEWAY_CACHE_SECONDS="60", **extra)
    for name in ("registry", "metrics", "gateway"):
        stack.start(name)
    url = f"{stack.gateway_url}/api/v1/targets/hydrogen_rnd_platforms"
    for _ in range(10):  # cached in every gateway process
        assert requests.get(url, timeout=10).status_code == 200
    assert requests.delete(url, headers=ADMIN, timeout=10).status_code == 204
    assert [requests.get(url, timeout=10).status_code for _ in range(10)] == [404] * 10


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_counts_read_through_the_gateway_reflect_a_write_within_a_second(make_stack, backend):
    # A long cache TTL: an answer fetched before the follower applied the write must not be kept.
    stack = make_stack(backend, GATEWAY_ADMIN_KEY=ADMIN_KEY, INTERNAL_TOKEN=TOKEN, GATEWAY_CACHE_SECONDS="60")
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)
    gateway = stack.gateway_url
    writer = new_key(gateway, "acme", "entities:write")
    url = f"{gateway}/api/v1/metrics/counts"
    lags = []
    with requests.Session() as http:
        for n in range(5):
            before = http.get(url, params={"cluster": "energy"}, timeout=10).json()["groups"][0]["count"]
            assert http.post(f"{gateway}/api/v1/entities", json=entity(100 + n), headers=writer, timeout=10).status_code == 201
            written = time.monotonic()
            seen = eventually(
                lambda want=before + 1: http.get(url, params={"cluster": "energy"}, timeout=10).json()["groups"][0]["count"] == want, 10
            )
            assert seen, "the count never moved: a pre-write answer was kept"
            lags.append(time.monotonic() - written)
    # The follower polls every 250 ms; generous for a shared machine, far below the 60 s TTL.
    assert sorted(lags)[len(lags) // 2] < 1.0, lags


def test_unknown_cluster_and_paths(stack):
    assert requests.get(f"{stack.gateway_url}/api/v1/clusters/oceans/overview", timeout=10).status_code == 404
    missing = requests.get(f"{stack.gateway_url}/api/v1/nothing", timeout=10)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"


def test_one_openapi_document_and_a_docs_page(stack):
    spec = requests.get(f"{stack.gateway_url}/api/v1/openapi.json", timeout=10).json()
    assert set(spec["paths"]) >= {
        "/api/v1/entities",
        "/api/v1/entities/batch",
        "/api/v1/changes",
        "/api/v1/metrics/summary",
        "/api/v1/targets/{key}",
        "/api/v1/keys",
        "/api/v1/dashboard",
        "/api/v1/clusters/{key}/overview",
    }
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    page = requests.get(f"{stack.gateway_url}/docs", timeout=10)
    assert page.status_code == 200
    assert "/api/v1/entities/batch" in page.text


def test_request_ids_and_big_bodies(stack):
    answer = requests.get(f"{stack.gateway_url}/api/v1/clusters", headers={"X-Request-ID": "trace-me-1"}, timeout=10)
    assert answer.headers["X-Request-ID"] == "trace-me-1"
    big = requests.post(
        f"{stack.gateway_url}/api/v1/entities/batch",
        data=b"x" * (17 * 1024 * 1024),  # over GATEWAY_MAX_BODY_BYTES' 16 MiB default
        headers={**ADMIN, "Content-Type": "application/json"},
        timeout=30,
    )
    assert big.status_code == 413
    assert big.headers["Content-Type"] == "application/problem+json"


def test_rate_limits_are_shared_through_redis(make_stack, shared_redis):
    stack = make_stack("sqlite", GATEWAY_ADMIN_KEY=ADMIN_KEY, INTERNAL_TOKEN=TOKEN, GATEWAY_ANONYMOUS_LIMIT="5/minute", **shared_redis)
    for name in ("registry", "gateway"):
        stack.start(name)
    answers = [requests.get(f"{stack.gateway_url}/api/v1/vocabulary", timeout=10) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]  # two gateway workers, one count
    limited = answers[-1]
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["RateLimit-Limit"] == "5"
    assert limited.headers["Content-Type"] == "application/problem+json"
    assert requests.get(f"{stack.gateway_url}/api/v1/vocabulary", headers=ADMIN, timeout=10).status_code == 200  # a key has its own limit


def test_the_keys_cli(make_stack):
    stack = make_stack("sqlite")

    def cli(*args: str) -> str:
        return stack.cli("ecoreg-gateway", "keys", *args)

    created = cli("create", "acme", "--scope", "entities:write")
    key = created.strip().splitlines()[-1]
    assert key.startswith("eco_")
    assert "acme" in cli("list")
    stack.start("registry")
    stack.start("gateway")
    assert (
        requests.post(
            f"{stack.gateway_url}/api/v1/entities", json=entity(1), headers={"Authorization": f"Bearer {key}"}, timeout=10
        ).status_code
        == 201
    )
    key_id = created.split()[1]
    cli("revoke", key_id)
    assert "revoked" in cli("list")


def test_the_gateway_keeps_serving_when_redis_is_gone(make_stack):
    stack = make_stack("sqlite", GATEWAY_ADMIN_KEY=ADMIN_KEY, INTERNAL_TOKEN=TOKEN, REDIS_URL="redis://127.0.0.1:1/0")
    for name in ("registry", "gateway"):
        stack.start(name)
    assert all(requests.get(f"{stack.gateway_url}/api/v1/vocabulary", timeout=10).status_code == 200 for _ in range(3))
