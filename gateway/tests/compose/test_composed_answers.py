"""Composed answers and the pages, against upstreams in this process (gateway_testing)."""

from __future__ import annotations

from gateway_testing import Upstream, gateway_with

from gateway.compose.routes import composed_etag

CLUSTERS = {
    "clusters": [
        {
            "key": "energy",
            "name_en": "Future energy",
            "name_zh": "未来能源",
            "tracks": [{"key": "hydrogen", "name_en": "Hydrogen", "name_zh": "氢能", "note": None}],
        }
    ]
}
SUMMARY = {
    "active_entities": 2,
    "clusters": [
        {"key": "energy", "name_en": "Future energy", "name_zh": "未来能源", "active_entities": 2, "by_kind": {"lab": 2}, "by_tier": {}}
    ],
    "targets": [],
    "coverage": [],
}
VOCABULARY = {"names": {"kinds": {"lab": {"name_en": "labs", "name_zh": "实验室"}}, "subtypes": {}, "tiers": {}, "statuses": {}}}


def upstreams() -> tuple[Upstream, Upstream]:
    registry = Upstream("registry", {"/api/v1/clusters": CLUSTERS, "/api/v1/vocabulary": VOCABULARY})
    metrics = Upstream("metrics", {"/api/v1/metrics/summary": SUMMARY, "/api/v1/metrics/history": {"points": []}})
    return registry, metrics


def test_the_dashboard_joins_both_services(database_url):
    registry, metrics = upstreams()
    with gateway_with(database_url, registry, metrics) as app:
        answer = app.test_client().get("/api/v1/dashboard").get_json()
        assert answer["degraded"] is False
        [energy] = answer["clusters"]
        assert (energy["name_zh"], energy["active_entities"], energy["tracks"][0]["key"]) == ("未来能源", 2, "hydrogen")


def test_a_part_that_does_not_answer_is_marked_and_the_rest_is_served(database_url):
    registry, metrics = upstreams()
    metrics.down = True
    with gateway_with(database_url, registry, metrics) as app:
        answer = app.test_client().get("/api/v1/dashboard").get_json()
        assert answer["degraded"] is True
        assert answer["missing"] == ["summary"]
        assert answer["clusters"][0]["name_en"] == "Future energy"
        assert answer["clusters"][0]["active_entities"] is None


def test_nothing_answering_is_a_503_problem(database_url):
    registry, metrics = upstreams()
    registry.down = metrics.down = True
    with gateway_with(database_url, registry, metrics) as app:
        answer = app.test_client().get("/api/v1/dashboard")
        assert answer.status_code == 503
        assert answer.mimetype == "application/problem+json"


def test_the_page_names_kinds_in_the_registrys_words(database_url):
    registry, metrics = upstreams()
    with gateway_with(database_url, registry, metrics) as app:
        page = app.test_client().get("/?lang=zh")
        assert page.status_code == 200
        assert "实验室" in page.get_data(as_text=True)


def test_the_composed_tag_follows_the_figures_not_the_followers_clock():
    body = {"active_entities": 13, "freshness": {"as_of_seq": 41, "seconds_behind": 0.0, "checked_at": "2026-12-02T10:31:06+08:00"}}
    polled_again = {**body, "freshness": {**body["freshness"], "checked_at": "2026-12-02T10:31:08+08:00", "seconds_behind": 1.5}}
    assert composed_etag(polled_again) == composed_etag(body)
    assert composed_etag({**body, "active_entities": 14}) != composed_etag(body)
    assert composed_etag({**body, "freshness": {**body["freshness"], "as_of_seq": 42}}) != composed_etag(body)
