"""Observations: idempotent PUT, periods, scopes, the reporter recorded."""

import pytest
from metrics_testing import REPORTER


def test_put_is_idempotent_and_records_the_reporter(client):
    first = client.put("/api/v1/indicators/future_industry_output/observations/2024", json={"value": 180.5}, headers=REPORTER)
    assert first.status_code == 201
    assert first.json["source"] == "stats-bureau"
    assert first.json["period_end"] == "2024-12-31"
    again = client.put("/api/v1/indicators/future_industry_output/observations/2024", json={"value": 180.5}, headers=REPORTER)
    assert again.status_code == 200
    assert again.json == first.json
    corrected = client.put("/api/v1/indicators/future_industry_output/observations/2024", json={"value": 190}, headers=REPORTER)
    assert corrected.json["value"] == 190
    listed = client.get("/api/v1/indicators/future_industry_output/observations").json["observations"]
    assert [(o["period"], o["value"]) for o in listed] == [("2024", 190)]


def test_cluster_scopes_are_separate_observations(client):
    client.put("/api/v1/indicators/hydrogen_chain_scale/observations/2024", json={"value": 60}, headers=REPORTER)
    client.put("/api/v1/indicators/hydrogen_chain_scale/observations/2024?cluster=energy", json={"value": 58}, headers=REPORTER)
    everything = client.get("/api/v1/indicators/hydrogen_chain_scale/observations").json["observations"]
    assert sorted((o["cluster"] or "", o["value"]) for o in everything) == [("", 60), ("energy", 58)]
    energy = client.get("/api/v1/indicators/hydrogen_chain_scale/observations?cluster=energy").json["observations"]
    assert [o["value"] for o in energy] == [58]


def test_bad_observations_are_refused(client):
    url = "/api/v1/indicators/future_industry_output/observations"
    assert client.put(f"{url}/20x4", json={"value": 1}, headers=REPORTER).status_code == 422
    assert client.put(f"{url}/2024-02-30", json={"value": 1}, headers=REPORTER).status_code == 422
    assert client.put(f"{url}/2024", json={"value": "many"}, headers=REPORTER).status_code == 422
    assert client.put(f"{url}/2024?cluster=oceans", json={"value": 1}, headers=REPORTER).status_code == 422
    assert client.put(f"{url}/2024", json={"value": 1}).status_code == 401
    assert client.put("/api/v1/indicators/nothing/observations/2024", json={"value": 1}, headers=REPORTER).status_code == 404
    assert client.get(url).json["observations"] == []


def test_indicators_list_their_newest_value(client):
    indicators = {i["key"]: i for i in client.get("/api/v1/indicators").json["indicators"]}
    assert indicators["ai_industry_scale"]["latest"]["value"] == 305.7  # the plan's 2021 baseline
    assert indicators["fuel_cell_vehicles"]["latest"] is None


def test_a_year_and_its_last_day_are_one_period(client):
    url = "/api/v1/indicators/future_industry_output/observations"
    assert client.put(f"{url}/2026", json={"value": 300}, headers=REPORTER).status_code == 201
    same = client.put(f"{url}/2026-12-31", json={"value": 310}, headers=REPORTER)
    assert same.status_code == 200  # not a new period
    assert same.json["period"] == "2026"
    listed = client.get(url).json["observations"]
    assert [(o["period"], o["value"]) for o in listed] == [("2026", 310)]


def test_a_revision_by_another_reporter_is_recorded_not_lost(client):
    url = "/api/v1/indicators/future_industry_output/observations/2023"
    assert client.put(url, json={"value": 150}, headers={"X-Ecoreg-Partner": "reporter-a"}).status_code == 201
    revised = client.put(url, json={"value": 155}, headers={"X-Ecoreg-Partner": "reporter-b"})
    assert (revised.json["value"], revised.json["source"]) == (155, "reporter-b")
    assert [(r["value"], r["source"]) for r in revised.json["reports"]] == [(150, "reporter-a"), (155, "reporter-b")]
    listed = client.get("/api/v1/indicators/future_industry_output/observations").json["observations"]
    assert [(r["value"], r["source"]) for r in listed[0]["reports"]] == [(150, "reporter-a"), (155, "reporter-b")]
    # the same report again adds nothing
    client.put(url, json={"value": 155}, headers={"X-Ecoreg-Partner": "reporter-b"})
    assert len(client.get("/api/v1/indicators/future_industry_output/observations").json["observations"][0]["reports"]) == 2


def test_the_target_uses_the_latest_report_of_the_latest_period(client):
    url = "/api/v1/indicators/fuel_cell_vehicles/observations"
    client.put(f"{url}/2025", json={"value": 9000}, headers=REPORTER)
    client.put(f"{url}/2025-12-31", json={"value": 9500}, headers={"X-Ecoreg-Partner": "reporter-b"})
    client.put(f"{url}/2024", json={"value": 20000}, headers=REPORTER)  # an older period reported later
    target = client.get("/api/v1/targets/fuel_cell_vehicles").json
    assert (target["current_value"], target["current_date"]) == (9500, "2025-12-31")


def test_observations_come_a_page_at_a_time(client):
    url = "/api/v1/indicators/hydrogen_chain_scale/observations"
    for year in range(2018, 2026):
        client.put(f"{url}/{year}", json={"value": year - 2000}, headers=REPORTER)
        client.put(f"{url}/{year}?cluster=energy", json={"value": year - 2010}, headers=REPORTER)
    client.put(f"{url}/2025-06-30", json={"value": 1}, headers=REPORTER)
    everything = client.get(f"{url}?limit=500").json
    assert everything["next_cursor"] is None
    expected = [(o["period_end"], o["cluster"] or "", o["period"]) for o in everything["observations"]]
    assert len(expected) >= 17
    assert expected == sorted(expected)
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get(url, query_string={"limit": 3, **({"cursor": cursor} if cursor else {})}).json
        assert len(page["observations"]) <= 3
        assert all(o["reports"] for o in page["observations"])
        seen += [(o["period_end"], o["cluster"] or "", o["period"]) for o in page["observations"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == expected
    assert pages == -(-len(expected) // 3)
    assert len(client.get(url).json["observations"]) == len(expected)  # default 100 holds them all
    energy = client.get(f"{url}?cluster=energy&limit=5").json
    rest = client.get(url, query_string={"cluster": "energy", "cursor": energy["next_cursor"]}).json
    assert rest["next_cursor"] is None
    assert [o["period"] for o in energy["observations"] + rest["observations"]] == [str(y) for y in range(2018, 2026)]
    assert {o["cluster"] for o in energy["observations"] + rest["observations"]} == {"energy"}


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=501",
        "limit=x",
        "cursor=nope",
        # well-formed JSON with the right keys, but a period_end that is not a date
        "cursor=eyJwZXJpb2QiOiIyMDI0IiwicGVyaW9kX2VuZCI6Im5vdC1hLWRhdGUiLCJzY29wZSI6IiJ9",
    ],
)
def test_bad_paging_of_observations_is_422(client, query):
    answer = client.get(f"/api/v1/indicators/hydrogen_chain_scale/observations?{query}")
    assert answer.status_code == 422
    assert answer.content_type == "application/problem+json"
