"""Metrics input on every path: targets (POST and PUT alike), observations, counts and history (issue #12)."""

import pytest
from metrics_testing import REPORTER

BASE = {"title_en": "T", "title_zh": "目标", "measure": "count", "target_value": 5, "deadline": "2030-12-31", "unit": "x"}

REFUSED_TARGETS = {
    "cluster of 40 characters": ({"cluster": "c" * 40}, "cluster"),
    "unknown cluster": ({"cluster": "nope"}, "cluster"),
    "unknown cluster in the filter": ({"filter": {"cluster": "nope"}}, "filter.cluster"),
    "unknown track in the filter": ({"filter": {"track": ["hydrogen", "nope"]}}, "filter.track"),
    "unknown kind in the filter": ({"filter": {"kind": "nope"}}, "filter.kind"),
    "unknown subtype in the filter": ({"filter": {"subtype": "nope"}}, "filter.subtype"),
    "unknown tier in the filter": ({"filter": {"tier": "nope"}}, "filter.tier"),
    "unknown district in the filter": ({"filter": {"district": "nope"}}, "filter.district"),
    "unknown status in the filter": ({"filter": {"status": ["active", "nope"]}}, "filter.status"),
    "deadline in year 1": ({"deadline": "0001-12-31"}, "deadline"),
    "deadline in 9999": ({"deadline": "9999-12-31"}, "deadline"),
    "target value as a string": ({"target_value": "8200"}, "target_value"),
    "target value as a boolean": ({"target_value": True}, "target_value"),
    "zero-width title": ({"title_en": "\u200b"}, "title_en"),
    "bidi override in a title": ({"title_zh": "目标\u202e"}, "title_zh"),
}


@pytest.mark.parametrize(("change", "field"), REFUSED_TARGETS.values(), ids=REFUSED_TARGETS.keys())
def test_target_refused_on_put_and_post(client, change, field):
    put = client.put("/api/v1/targets/some_target", json={**BASE, **change}, headers=REPORTER)
    assert put.status_code == 422, put.json
    assert field in put.json["errors"], put.json
    post = client.post("/api/v1/targets", json={**BASE, "key": "some_target", **change}, headers=REPORTER)
    assert post.status_code == 422
    assert field in post.json["errors"]
    assert client.get("/api/v1/targets/some_target").status_code == 404


@pytest.mark.parametrize("key", ["Bad%20Key!", "a%00b", "UPPER", "x" * 65, "_leading"])
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_a_target_key_outside_the_pattern_names_nothing(client, method, key):
    response = getattr(client, method)(f"/api/v1/targets/{key}", json=BASE, headers=REPORTER)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "path", ["/api/v1/indicators/a%00b/observations", "/api/v1/indicators/a%00b/observations/2025", "/api/v1/indicators/A/observations"]
)
def test_an_indicator_key_outside_the_pattern_names_nothing(client, path):
    assert client.get(path).status_code in (404, 405)
    assert client.put(path, json={"value": 1}, headers=REPORTER).status_code == 404


def test_an_observation_value_must_be_a_number(client):
    path = "/api/v1/indicators/fuel_cell_vehicles/observations/2025"
    response = client.put(path, json={"value": "8200"}, headers=REPORTER)
    assert response.status_code == 422
    assert "value" in response.json["errors"]
    assert client.put(path, json={"value": 8200}, headers=REPORTER).status_code in (200, 201)


@pytest.mark.parametrize("period", ["２０２５", "2025-0６-30", "٢٠٢٥"])
def test_a_period_in_other_digits_is_refused(client, period):
    response = client.put(f"/api/v1/indicators/fuel_cell_vehicles/observations/{period}", json={"value": 1}, headers=REPORTER)
    assert response.status_code == 422
    assert "period" in response.json["errors"]


@pytest.mark.parametrize(
    "query",
    [
        "cluster=nope",
        "track=nope",
        "cluster=energy&track=nope",
        "kind=nope",
        "subtype=nope",
        "tier=nope",
        "district=nope",
        "status=active,nope",
        "cluster=energy&kind=nope",
    ],
)
def test_counts_of_values_that_do_not_exist_are_422(client, query):
    response = client.get(f"/api/v1/metrics/counts?{query}")
    assert response.status_code == 422
    assert query.split("&")[-1].split("=")[0] in response.json["errors"]


@pytest.mark.parametrize(
    "query",
    ["cluster=energy&track=hydrogen", "kind=enterprise&subtype=startup", "tier=none", "district=pudong", "status=active,closed"],
)
def test_counts_of_known_values_are_counted(client, query):
    response = client.get(f"/api/v1/metrics/counts?{query}")
    assert response.status_code == 200, response.json


def test_a_target_filter_of_known_terms_is_kept(client):
    body = {**BASE, "filter": {"kind": "enterprise", "tier": ["national", "municipal"], "district": "pudong", "status": ["active"]}}
    response = client.put("/api/v1/targets/known_terms", json=body, headers=REPORTER)
    assert response.status_code in (200, 201), response.json


@pytest.mark.parametrize("query", ["to=0001-01-05", "from=0001-01-01&to=0001-01-05", "to=9999-12-31"])
def test_history_at_the_ends_of_the_calendar_is_422(client, query):
    response = client.get(f"/api/v1/metrics/history?metric=count&{query}")
    assert response.status_code == 422


def test_a_repeated_filter_is_refused(client):
    response = client.get("/api/v1/metrics/counts?cluster=energy&cluster=space")
    assert response.status_code == 422
    assert response.json["errors"]["cluster"] == ["is given more than once; give it once"]
