"""Counts, targets and the summary as of a past moment, from the feed's commit times."""

from itertools import combinations

import pytest
from metrics_testing import REPORTER, Feed

from metrics.counts.service import GROUPABLE


@pytest.fixture
def history(db):
    feed = Feed(db)
    feed.write(1, kind="facility", subtype="hydrogen_station", tracks=[], at="2025-06-01T02:00:00Z")
    feed.write(2, kind="facility", subtype="hydrogen_station", tracks=[], at="2025-12-31T12:00:00Z")  # 20:00 in Shanghai
    feed.write(1, kind="facility", subtype="hydrogen_station", tracks=[], status="closed", at="2026-01-05T00:00:00Z")
    feed.write(2, op="retire", kind="facility", subtype="hydrogen_station", tracks=[], at="2026-02-01T00:00:00Z")
    feed.write(3, kind="enterprise", clusters=["energy", "materials"], tracks=["hydrogen", "graphene"], at="2026-03-01T00:00:00Z")
    feed.apply()
    return feed


def total(client, as_of, query=""):
    response = client.get(f"/api/v1/metrics/counts?as_of={as_of}{query}")
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize(
    ("as_of", "count"),
    [
        ("2025-05-31", 0),
        ("2025-06-01", 1),
        ("2025-12-31T19:59:59", 1),  # Asia/Shanghai: before entity 2 was committed
        ("2025-12-31T20:00:00", 2),
        ("2025-12-31T12:00:00Z", 2),  # the same instant with an offset
        ("2025-12-31", 2),  # the end of that day
        ("2026-01-10", 1),  # entity 1 closed, so no longer active
        ("2026-02-02", 0),  # entity 2 retired
    ],
)
def test_facility_counts_as_they_were(client, history, as_of, count):
    body = total(client, as_of.replace("+", "%2B"), "&kind=facility")
    assert body["groups"][0]["count"] == count
    assert body["as_of"].endswith("+08:00")


def test_statuses_as_of_a_date(client, history):
    by_status = {g["status"]: g["count"] for g in total(client, "2026-01-10", "&group_by=status&status=active,closed")["groups"]}
    assert by_status == {"active": 1, "closed": 1}


def test_as_of_now_equals_the_live_counters_for_every_grouping(client, history):
    groupings = [[name] for name in GROUPABLE] + [list(pair) for pair in combinations(GROUPABLE, 2)]
    for group_by in groupings:
        query = f"/api/v1/metrics/counts?group_by={','.join(group_by)}&status=planned,building,active,inactive,closed"
        live = client.get(query).json["groups"]
        past = client.get(f"{query}&as_of=2026-12-01T00:00:00Z").json["groups"]
        assert sorted(live, key=repr) == sorted(past, key=repr), group_by


def test_bad_or_future_as_of_is_422(client):
    for value in ("yesterday", "2025-13-01", "2999-01-01"):
        response = client.get(f"/api/v1/metrics/counts?as_of={value}")
        assert response.status_code == 422, value
        assert response.mimetype == "application/problem+json"


def test_targets_and_summary_as_of(client, history):
    stations = client.get("/api/v1/targets/hydrogen_stations?as_of=2025-12-31").json  # deadline 2025-12-31
    assert stations["current_value"] == 2
    assert stations["assessed_on"] == "2025-12-31"
    assert stations["as_of"] == "2025-12-31T23:59:59+08:00"
    assert stations["status"] != "not_achieved"  # not yet missed on its deadline day
    assert client.get("/api/v1/targets/hydrogen_stations").json["status"] == "not_achieved"
    listed = client.get("/api/v1/targets?as_of=2025-12-31").json
    assert listed["as_of"] == "2025-12-31T23:59:59+08:00"
    summary = client.get("/api/v1/metrics/summary?as_of=2026-01-10").json
    assert summary["as_of"].startswith("2026-01-10")
    assert summary["active_entities"] == 1


def test_indicator_targets_as_of_use_only_reports_recorded_by_then(client, history):
    assert client.put("/api/v1/indicators/fuel_cell_vehicles/observations/2025", json={"value": 9000}, headers=REPORTER).status_code == 201
    assert client.get("/api/v1/targets/fuel_cell_vehicles").json["current_value"] == 9000
    assert client.get("/api/v1/targets/fuel_cell_vehicles?as_of=2026-01-10").json["status"] == "no_data"


def test_as_of_answers_say_their_links_list_the_present(client, history):
    for path in (
        "/api/v1/metrics/counts?kind=facility&as_of=2025-12-31",
        "/api/v1/metrics/summary?as_of=2025-12-31",
        "/api/v1/targets?as_of=2025-12-31",
        "/api/v1/targets/hydrogen_stations?as_of=2025-12-31",
    ):
        body = client.get(path).json
        assert body["links_as_of"].startswith("now:"), path
        live = client.get(path.split("as_of=")[0].rstrip("?&")).json
        assert "links_as_of" not in live, path
