"""Daily snapshots and the history series."""

from datetime import date, timedelta

from metrics_testing import Feed

from metrics.history import snapshots


def test_series_of_counts_and_targets(client, db):
    feed = Feed(db)
    feed.write(1, kind="facility", subtype="hydrogen_station", clusters=["energy"], tracks=["hydrogen"])
    feed.apply()
    yesterday = date.today() - timedelta(days=1)
    snapshots.take(db, yesterday)
    feed.write(2, kind="facility", subtype="hydrogen_station", clusters=["energy"], tracks=["hydrogen"])
    feed.apply()
    snapshots.take(db, date.today())
    snapshots.take(db, date.today())  # taking it again replaces the day's row

    counts = client.get("/api/v1/metrics/history?metric=count&kind=facility&cluster=energy").json
    assert counts["points"] == [{"day": yesterday.isoformat(), "value": 1}, {"day": date.today().isoformat(), "value": 2}]
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
