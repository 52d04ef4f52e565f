"""Forwarding and the answer cache, against upstreams in this process (gateway_testing)."""

from __future__ import annotations

import time

import pytest
from gateway_testing import ADMIN_KEY, Upstream, gateway_with

from ecoreg_common.partner import PARTNER_HEADER, SCOPES_HEADER

SUMMARY = "/api/v1/metrics/summary"


@pytest.fixture
def upstreams():
    registry = Upstream("registry", {"/api/v1/entities": {"items": [], "next_cursor": None}})
    metrics = Upstream("metrics", {SUMMARY: {"active_entities": 3}})
    return registry, metrics


def test_an_aggregate_is_answered_from_the_cache_then_revalidated_with_its_etag(database_url, upstreams):
    registry, metrics = upstreams
    with gateway_with(database_url, registry, metrics, cache_seconds=0.3) as app:
        client = app.test_client()
        first = [client.get(SUMMARY) for _ in range(3)]
        assert [answer.get_json() for answer in first] == [{"active_entities": 3}] * 3
        assert len(metrics.gets(SUMMARY)) == 1  # the two others came from the cache
        time.sleep(0.35)
        again = client.get(SUMMARY)
        assert again.get_json() == {"active_entities": 3}
        revalidation = metrics.gets(SUMMARY)[-1]
        assert revalidation["headers"]["If-None-Match"] == first[0].headers["ETag"]  # answered 304 upstream
        assert client.get(SUMMARY, headers={"If-None-Match": again.headers["ETag"]}).status_code == 304


def test_a_stale_answer_is_served_marked_while_the_upstream_is_down(database_url, upstreams):
    registry, metrics = upstreams
    with gateway_with(database_url, registry, metrics, cache_seconds=0.1) as app:
        client = app.test_client()
        assert client.get(SUMMARY).status_code == 200
        metrics.down = True
        time.sleep(0.15)
        stale = client.get(SUMMARY)
        assert stale.status_code == 200
        assert stale.get_json() == {"active_entities": 3}
        assert "max-age=0" in stale.headers["Cache-Control"]  # RFC 9111: past its freshness lifetime
        assert "stale-if-error" in stale.headers["Cache-Control"]
        assert client.get("/api/v1/targets").status_code == 503  # never cached: nothing to fall back on


def test_a_stale_answer_still_honours_if_none_match(database_url, upstreams):
    """A dashboard polls with If-None-Match; through an outage it gets 304, marked stale, not the
    whole body on every poll (found by review11)."""
    registry, metrics = upstreams
    with gateway_with(database_url, registry, metrics, cache_seconds=0.1) as app:
        client = app.test_client()
        tag = client.get(SUMMARY).headers["ETag"]
        metrics.down = True
        time.sleep(0.15)
        stale = client.get(SUMMARY, headers={"If-None-Match": tag})
        assert stale.status_code == 304
        assert stale.headers["ETag"] == tag
        assert stale.headers["Cache-Control"].startswith("max-age=0, stale-if-error=")
        assert int(stale.headers["Age"]) >= 0
        assert client.get(SUMMARY, headers={"If-None-Match": '"other"'}).status_code == 200


def test_entities_are_not_cached_and_a_write_forgets_cached_answers(database_url, upstreams):
    registry, metrics = upstreams
    with gateway_with(database_url, registry, metrics, cache_seconds=60) as app:
        client = app.test_client()
        client.get("/api/v1/entities")
        client.get("/api/v1/entities")
        assert len(registry.gets("/api/v1/entities")) == 2
        client.get(SUMMARY)
        metrics.answers[SUMMARY] = {"active_entities": 4}
        assert client.get(SUMMARY).get_json() == {"active_entities": 3}  # cached
        written = client.post("/api/v1/entities", json={"kind": "lab"}, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert written.status_code == 201
        assert client.get(SUMMARY).get_json() == {"active_entities": 4}  # read back at once


def test_the_partner_goes_upstream_as_the_gateway_vouches_and_never_as_the_client_claims(database_url, upstreams):
    registry, metrics = upstreams
    with gateway_with(database_url, registry, metrics) as app:
        client = app.test_client()
        client.post(
            "/api/v1/entities",
            json={"kind": "lab"},
            headers={
                "Authorization": f"Bearer {ADMIN_KEY}",
                PARTNER_HEADER: "someone-else",
                SCOPES_HEADER: "admin",
                "Idempotency-Key": "k-1",
            },
        )
        sent = registry.seen[-1]
        assert sent["headers"][PARTNER_HEADER] != "someone-else"
        assert "admin" in sent["headers"][SCOPES_HEADER].split()
        assert sent["headers"]["Idempotency-Key"] == "k-1"
        client.get("/api/v1/entities", headers={PARTNER_HEADER: "someone-else"})
        assert PARTNER_HEADER not in registry.seen[-1]["headers"]  # anonymous: no partner at all


class GetAndPostOnly(Upstream):
    """A service whose /api/v1/entities has GET and POST only (Flask adds HEAD and OPTIONS)."""

    def app(self):
        from flask import Flask

        app = Flask(self.name)
        app.add_url_rule("/api/v1/entities", "entities", lambda: {"items": []}, methods=["GET", "POST"])
        return app


def test_a_method_a_path_lacks_gets_that_paths_allow_from_its_service(database_url, upstreams):
    _, metrics = upstreams
    with gateway_with(database_url, GetAndPostOnly("registry"), metrics) as app:
        response = app.test_client().open("/api/v1/entities", method="TRACE", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert response.status_code == 405
    assert {method.strip() for method in response.headers["Allow"].split(",")} == {"GET", "HEAD", "OPTIONS", "POST"}
