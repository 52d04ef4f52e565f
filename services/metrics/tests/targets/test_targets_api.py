"""Targets over HTTP: reference targets, attainment from counts and indicators, management."""

import pytest
from metrics_testing import REPORTER, Feed


def target(client, key):
    response = client.get(f"/api/v1/targets/{key}")
    assert response.status_code == 200, response.json
    return response.json


def test_the_plans_targets_are_loaded(client):
    keys = {t["key"] for t in client.get("/api/v1/targets").json["targets"]}
    assert keys == {
        "future_industry_output",
        "future_technology_colleges",
        "innovation_centres",
        "pilot_zones",
        "hydrogen_stations",
        "hydrogen_rnd_platforms",
        "fuel_cell_vehicles",
        "hydrogen_chain_scale",
    }
    platforms = target(client, "hydrogen_rnd_platforms")
    assert (platforms["target_value"], platforms["target_max"]) == (3, 5)
    energy = {t["key"] for t in client.get("/api/v1/targets?cluster=energy").json["targets"]}
    assert energy == {"hydrogen_stations", "hydrogen_rnd_platforms", "fuel_cell_vehicles", "hydrogen_chain_scale"}


def test_count_targets_follow_the_registry(client, db):
    feed = Feed(db)
    for entity_id in range(1, 4):
        feed.write(entity_id, kind="pilot_zone", subtype="future_industry_pilot_zone", status="building", tracks=[])
    feed.write(9, kind="pilot_zone", subtype=None, status="planned", tracks=[])  # planned zones do not count
    feed.apply()
    zones = target(client, "pilot_zones")
    assert zones["current_value"] == 3
    assert zones["attainment"] == 0.2
    assert zones["progress"] == 0.0  # the baseline was already 3
    assert zones["status"] in {"limited", "acceleration_needed"}


def test_indicator_targets_use_the_newest_observation(client):
    assert target(client, "fuel_cell_vehicles")["status"] == "no_data"
    assert client.put("/api/v1/indicators/fuel_cell_vehicles/observations/2023", json={"value": 4000}, headers=REPORTER).status_code == 201
    assert (
        client.put("/api/v1/indicators/fuel_cell_vehicles/observations/2025-06-30", json={"value": 12500}, headers=REPORTER).status_code
        == 201
    )
    vehicles = target(client, "fuel_cell_vehicles")
    assert vehicles["current_value"] == 12500
    assert vehicles["status"] == "achieved"


def test_targets_can_be_added_replaced_and_removed(client):
    body = {
        "key": "graphene_parks",
        "title_en": "Graphene parks",
        "title_zh": "石墨烯园区",
        "cluster": "materials",
        "measure": "count",
        "filter": {"kind": "park", "track": "graphene"},
        "target_value": 2,
        "deadline": "2027-12-31",
        "unit": "parks",
    }
    created = client.post("/api/v1/targets", json=body, headers=REPORTER)
    assert created.status_code == 201, created.json
    assert created.headers["Location"].endswith("/api/v1/targets/graphene_parks")
    assert created.json["status"] in {"limited", "deteriorating", "on_track", "acceleration_needed"}
    assert client.post("/api/v1/targets", json=body, headers=REPORTER).status_code == 409
    replaced = client.put(
        "/api/v1/targets/graphene_parks", json={**{k: v for k, v in body.items() if k != "key"}, "target_value": 4}, headers=REPORTER
    )
    assert replaced.status_code == 200
    assert replaced.json["target_value"] == 4
    assert client.delete("/api/v1/targets/graphene_parks", headers=REPORTER).status_code == 204
    assert client.get("/api/v1/targets/graphene_parks").status_code == 404
    assert client.delete("/api/v1/targets/graphene_parks", headers=REPORTER).status_code == 404


def test_target_rules(client):
    base = {"title_en": "T", "title_zh": "目标", "target_value": 5, "deadline": "2030-12-31", "unit": "x"}
    cases = [
        ({**base, "measure": "indicator", "indicator_key": "nothing"}, "indicator_key"),
        ({**base, "measure": "indicator"}, "indicator_key"),
        ({**base, "measure": "count", "filter": {"colour": "red"}}, "filter"),
        ({**base, "measure": "count", "target_max": 2}, "target_max"),
        ({**base, "measure": "count", "baseline_date": "2031-01-01"}, "baseline_date"),
        ({**base, "measure": "count", "direction": "sideways"}, "direction"),
        ({**base, "measure": "count", "target_value": "NaN"}, "target_value"),
    ]
    for body, field in cases:
        response = client.put("/api/v1/targets/some_target", json=body, headers=REPORTER)
        assert response.status_code == 422, body
        assert field in response.json["errors"], (field, response.json)
    assert client.get("/api/v1/targets/some_target").status_code == 404


def test_writes_need_an_identity(client):
    assert client.delete("/api/v1/targets/pilot_zones").status_code == 401
    assert client.get("/api/v1/targets/pilot_zones").status_code == 200


INDICATOR_TARGET = {
    "title_en": "Output",
    "title_zh": "产值",
    "measure": "indicator",
    "indicator_key": "future_industry_output",
    "target_value": 200,
    "baseline_value": 100,
    "baseline_date": "2015-12-31",
    "deadline": "2030-12-31",
    "unit": "billion CNY",
}


def test_an_indicator_target_carries_what_recomputes_it(client):
    assert client.put("/api/v1/targets/output_path", json=INDICATOR_TARGET, headers=REPORTER).status_code == 201
    assert (
        client.put("/api/v1/indicators/future_industry_output/observations/2025", json={"value": 166.67}, headers=REPORTER).status_code
        == 201
    )
    answer = target(client, "output_path")
    assert answer["method"] == "open_sdg_cagr"
    assert (answer["base_value"], answer["base_date"]) == (100, "2015-12-31")
    assert (answer["current_value"], answer["current_date"]) == (166.67, "2025-12-31")
    assert answer["required_rate"] == float(f"{2 ** (1 / 15) - 1:.6g}")  # 6 significant figures
    assert answer["observed_rate"] == float(f"{1.6667 ** (1 / 10) - 1:.6g}")
    assert answer["ratio"] == pytest.approx(answer["observed_rate"] / answer["required_rate"], abs=1e-4)
    assert answer["ratio"] == pytest.approx(1.108, abs=1e-3)
    assert answer["thresholds"] == {"on_track": 0.95, "acceleration_needed": 0.6, "limited": 0}
    assert answer["status"] == "on_track"
    assert answer["observations"] == "/api/v1/indicators/future_industry_output/observations"
    assert answer["entities"] is None


def test_a_count_target_past_its_deadline_is_not_achieved_and_links_its_entities(client, db):
    feed = Feed(db)
    for entity_id in range(1, 7):
        feed.write(entity_id, kind="facility", subtype="hydrogen_station", tracks=[])
    feed.apply()
    stations = target(client, "hydrogen_stations")  # 70 by the end of 2025
    assert stations["current_value"] == 6
    assert stations["deadline_passed"] is True
    assert stations["status"] == "not_achieved"
    assert stations["method"] == "linear_path"
    assert stations["entities"] == "/api/v1/entities?kind=facility&subtype=hydrogen_station&status=active,building"
    listed = client.get("/api/v1/targets").json["targets"]
    assert next(t for t in listed if t["key"] == "hydrogen_stations")["status"] == "not_achieved"


def test_a_target_that_would_make_ratios_infinite_is_refused(client):
    for value in (1e-320, -1e-12):
        response = client.put("/api/v1/targets/tiny", json={**INDICATOR_TARGET, "target_value": value}, headers=REPORTER)
        assert response.status_code == 422, value
        assert response.mimetype == "application/problem+json"
        assert "target_value" in response.get_data(as_text=True)
    assert client.get("/api/v1/targets/tiny").status_code == 404
    summary = client.get("/api/v1/metrics/summary").get_data(as_text=True)
    assert "Infinity" not in summary
    assert "NaN" not in summary


def test_targets_come_a_page_at_a_time(client):
    everything = [t["key"] for t in client.get("/api/v1/targets?limit=500").json["targets"]]
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get("/api/v1/targets", query_string={"limit": 3, **({"cursor": cursor} if cursor else {})}).json
        assert len(page["targets"]) <= 3
        seen += [t["key"] for t in page["targets"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == everything == sorted(everything)
    assert pages == -(-len(everything) // 3)
    energy = client.get("/api/v1/targets?cluster=energy&limit=2").json
    assert len(energy["targets"]) == 2
    assert energy["next_cursor"]
    rest = client.get("/api/v1/targets", query_string={"cluster": "energy", "cursor": energy["next_cursor"]}).json
    assert {t["cluster"] for t in energy["targets"] + rest["targets"]} == {"energy"}
    assert len(energy["targets"] + rest["targets"]) == 4


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "cursor=nope", "limit=x"])
def test_bad_paging_of_targets_is_422(client, query):
    assert client.get(f"/api/v1/targets?{query}").status_code == 422


def test_the_plan_s_six_headline_targets_are_flagged_in_the_plan_s_order(client):
    found = client.get("/api/v1/targets").json["targets"]
    flagged = sorted((t for t in found if t["headline"] is not None), key=lambda t: t["headline"])
    assert [t["key"] for t in flagged] == [
        "future_industry_output",
        "pilot_zones",
        "innovation_centres",
        "future_technology_colleges",
        "hydrogen_stations",
        "fuel_cell_vehicles",
    ]
    assert [t["headline"] for t in flagged] == [1, 2, 3, 4, 5, 6]
    summary = client.get("/api/v1/metrics/summary").json["targets"]
    assert {t["key"]: t["headline"] for t in summary} == {t["key"]: t["headline"] for t in found}


def test_an_admin_flags_a_headline_target_with_put_and_a_put_without_it_unflags(client):
    platforms = target(client, "hydrogen_rnd_platforms")
    assert platforms["headline"] is None
    body = {
        k: platforms[k] for k in ("title_en", "title_zh", "cluster", "measure", "filter", "target_value", "target_max", "deadline", "unit")
    }
    assert client.put("/api/v1/targets/hydrogen_rnd_platforms", json={**body, "headline": 7}, headers=REPORTER).json["headline"] == 7
    assert target(client, "hydrogen_rnd_platforms")["headline"] == 7
    for bad in (0, -1, 101, "first", 1.5, True):
        answer = client.put("/api/v1/targets/hydrogen_rnd_platforms", json={**body, "headline": bad}, headers=REPORTER)
        assert answer.status_code == 422, bad
        assert "headline" in answer.json["errors"]
    assert target(client, "hydrogen_rnd_platforms")["headline"] == 7
    assert client.put("/api/v1/targets/hydrogen_rnd_platforms", json=body, headers=REPORTER).json["headline"] is None


def test_the_target_statuses_and_their_names_come_from_metrics(client):
    from metrics.targets.attainment import STATUSES

    answer = client.get("/api/v1/metrics/vocabulary")
    assert answer.status_code == 200
    assert answer.json["target_statuses"] == list(STATUSES)
    names = answer.json["names"]["target_statuses"]
    assert list(names) == list(STATUSES)
    assert names["not_achieved"] == {"name_en": "missed", "name_zh": "未达成"}
    assert all(name["name_en"] and name["name_zh"] for name in names.values())
