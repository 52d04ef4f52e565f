"""Observations: idempotent PUT, periods, scopes, the reporter recorded."""

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
