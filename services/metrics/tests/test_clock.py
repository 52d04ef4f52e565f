"""Every "today" of the metrics service is Shanghai's date, not the machine's (UTC on the servers).

At 07:30 in Shanghai a UTC machine is still on the previous day: an official
reading the dashboard then must see today's assessment and today's history row.
The clock is faked (``metrics.clock.now``) at 23:30 UTC, a date no real run of
the suite is on, so each assertion fails if any path reads the machine's date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from metrics_testing import Feed
from sqlalchemy import select

from metrics import clock
from metrics.cli import _follower
from metrics.config import Settings
from metrics.history import snapshots
from metrics.tables import cell_snapshots, target_snapshots

UTC_EVENING = datetime(2030, 6, 30, 23, 30, tzinfo=UTC)  # 2030-07-01 07:30 in Shanghai
SHANGHAI_DAY = date(2030, 7, 1)


@pytest.fixture
def shanghai_morning(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: UTC_EVENING)
    return SHANGHAI_DAY


def test_the_clock_gives_shanghai_s_date(shanghai_morning):
    assert clock.today() == shanghai_morning
    assert UTC_EVENING.date() == date(2030, 6, 30)


def test_targets_are_assessed_on_shanghai_s_date(client, db, shanghai_morning):
    feed = Feed(db)
    feed.write(1, kind="facility", subtype="hydrogen_station", tracks=[])
    feed.apply()
    one = client.get("/api/v1/targets/hydrogen_stations").json
    assert one["assessed_on"] == "2030-07-01"
    listed = {t["key"]: t for t in client.get("/api/v1/targets").json["targets"]}
    assert listed["pilot_zones"]["assessed_on"] == "2030-07-01"
    summary = client.get("/api/v1/metrics/summary").json
    assert {t["assessed_on"] for t in summary["targets"]} == {"2030-07-01"}
    # as_of: "today" in Shanghai is accepted up to now, its end is still in the future
    assert client.get("/api/v1/targets/hydrogen_stations?as_of=2030-07-01T07:00:00").status_code == 200
    assert client.get("/api/v1/targets/hydrogen_stations?as_of=2030-07-01T08:00:00").status_code == 422


def test_the_follower_writes_today_s_history_row_under_shanghai_s_date(client, db, shanghai_morning):
    feed = Feed(db)
    feed.write(1, kind="facility", subtype="hydrogen_station", tracks=[])
    feed.apply()
    follower = _follower(Settings(database_url="sqlite://", registry_url="http://127.0.0.1:9"), db)
    try:
        follower.after_page()  # what the follower runs after every page: today's history row
    finally:
        follower.close()
    with db.read() as session:
        assert set(session.scalars(select(cell_snapshots.c.day).distinct())) == {SHANGHAI_DAY}
        assert set(session.scalars(select(target_snapshots.c.day).distinct())) == {SHANGHAI_DAY}
    # the series' default end is Shanghai's today, so the row just written is in it
    points = client.get("/api/v1/metrics/history?metric=count&kind=facility").json["points"]
    assert points == [{"day": "2030-07-01", "value": 1}]
    stations = client.get("/api/v1/metrics/history?metric=target:hydrogen_stations").json["points"]
    assert [p["day"] for p in stations] == ["2030-07-01"]


def test_the_snapshot_the_history_keeps_for_a_day_is_that_day_s(client, db, shanghai_morning):
    # take() is given the day; what the follower passes it is clock.today() (above)
    feed = Feed(db)
    feed.write(1, kind="facility", subtype="hydrogen_station", tracks=[])
    feed.apply()
    snapshots.take(db, clock.today())
    points = client.get("/api/v1/metrics/history?metric=count&kind=facility&from=2030-06-30&to=2030-07-01").json["points"]
    assert points == [{"day": "2030-07-01", "value": 1}]
