"""Rate limits per client address and per key (memory storage), in this process."""

from __future__ import annotations

from gateway_testing import ADMIN_KEY, Upstream, gateway_with


def test_the_anonymous_limit_answers_429_with_retry_after_and_a_key_has_its_own(database_url):
    registry = Upstream("registry", {"/api/v1/vocabulary": {"kinds": {}}})
    with gateway_with(database_url, registry, Upstream("metrics"), anonymous_limit="3/minute") as app:
        client = app.test_client()
        answers = [client.get("/api/v1/vocabulary") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        limited = answers[-1]
        assert limited.mimetype == "application/problem+json"
        assert int(limited.headers["Retry-After"]) > 0
        assert limited.headers["RateLimit-Limit"] == "3"
        assert "Retry-After" not in answers[0].headers  # only a 429 says when to come back
        assert client.get("/api/v1/vocabulary", headers={"Authorization": f"Bearer {ADMIN_KEY}"}).status_code == 200
