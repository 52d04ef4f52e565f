"""Daily snapshots and the history series."""

from datetime import date, timedelta

from metrics_testing import Feed

from metrics import clock
from metrics.history import snapshots


def test_series_of_counts_and_targets(client, db):
    feed = Feed(db)
    feed.write(1, kind="facility", subtype="hydrogen_station", clusters=["energy"], tracks=["hydrogen"])
    feed.apply()
    yesterday = clock.today() - timedelta(days=1)
    snapshots.take(db, yesterday)
    feed.write(2, kind="facility", subtype="hydrogen_station", clusters=["energy"], tracks=["hydrogen"])
    feed.apply()
    snapshots.take(db, clock.today())
    snapshots.take(db, clock.today())  # taking it again replaces the day's row

    counts = client.get("/api/v1/metrics/history?metric=count&kind=facility&cluster=energy").json
    assert counts["points"] == [{"day": yesterday.isoformat(), "value": 1}, {"day": clock.today().isoformat(), "value": 2}]
    stations = client.get("/api/v1/metrics/history?metric=target:hydrogen_stations").json["points"]
    assert [p["value"] for p in stations] == [1, 2]
    assert all(p["status"] for p in stations)


def test_history_arguments(client):
    assert client.get("/api/v1/metrics/history").status_code == 422
    assert client.get("/api/v1/metrics/history?metric=bogus").status_code == 422
    assert client.get("/api/v1/metrics/history?metric=count&from=2026-02-01&to=2026-01-01").status_code == 422
    assert client.get("/api/v1/metrics/history?metric=count&from=2000-01-01&to=2026-01-01").status_code == 422
    assert client.get("/api/v1/metrics/history?metric=target:pilot_zones&kind=lab").status_code == 422
    assert client.get("/api/v1/metrics/history?metric=target:nothing").status_code == 404


def test_backfill_starts_the_series_at_the_first_change(client, db):
    feed = Feed(db)
    feed.write(1, kind="facility", subtype="hydrogen_station", tracks=[], at="2026-03-01T02:00:00Z")
    feed.write(2, kind="facility", subtype="hydrogen_station", tracks=[], at="2026-03-02T17:00:00Z")  # 01:00 on the 3rd in Shanghai
    feed.write(1, op="retire", kind="facility", subtype="hydrogen_station", tracks=[], at="2026-03-04T02:00:00Z")
    feed.apply()
    filled = snapshots.backfill(db, until=date(2026, 3, 6))
    assert filled["days"] == 5  # 1st to 5th of March
    points = client.get("/api/v1/metrics/history?metric=count&kind=facility&from=2026-02-20&to=2026-03-05").json["points"]
    assert points == [
        {"day": "2026-03-01", "value": 1},
        {"day": "2026-03-02", "value": 1},
        {"day": "2026-03-03", "value": 2},
        {"day": "2026-03-04", "value": 1},
        {"day": "2026-03-05", "value": 1},
    ]
    # the same as counting as of each day's end
    for point in points:
        assert client.get(f"/api/v1/metrics/counts?kind=facility&as_of={point['day']}").json["groups"][0]["count"] == point["value"]
    stations = client.get("/api/v1/metrics/history?metric=target:hydrogen_stations&from=2026-03-01&to=2026-03-05").json["points"]
    assert [p["value"] for p in stations] == [1, 1, 2, 1, 1]
    assert {p["status"] for p in stations} == {"not_achieved"}  # the 2025 deadline had passed
    # backfilling again gives the same history
    assert snapshots.backfill(db, until=date(2026, 3, 6)) == filled
