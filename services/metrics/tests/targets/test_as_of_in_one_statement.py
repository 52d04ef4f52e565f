"""The targets and the summary as of a past moment, read in one statement (targets/as_of.py),
are the answers the session path gives statement by statement (targets/service.py,
summary/service.py ``summary``): the same assessment functions on the same inputs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from metrics_testing import ADMIN, Feed
from sqlalchemy import insert

from metrics.counts.as_of import parse_as_of
from metrics.summary import service as summary_service
from metrics.tables import observation_reports
from metrics.targets import as_of as one_statement
from metrics.targets.service import get_target, list_targets

TODAY = datetime(2026, 12, 4, tzinfo=UTC).date()
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
MOMENTS = [
    "2025-06-01",  # before the first change and the first report
    "2026-01-01T08:00:00+08:00",  # the instant of the first changes
    "2026-01-01T12:00:00Z",  # between reports
    "2026-01-02",
    "2026-01-03T12:00:00",  # after the keyframes the follower wrote
    "2026-06-30",  # after every change and past report
]


@pytest.fixture
def history(db, client):
    """Entities changing over five days, reports recorded between them in two scopes, and a retired indicator."""
    feed = Feed(db)
    for entity_id in range(1, 4):
        feed.write(entity_id, kind="tech_centre", subtype="enterprise_tech_centre", tier="national", tracks=[], at="2026-01-01T00:00:00Z")
    feed.write(4, kind="facility", subtype="hydrogen_station", at="2026-01-01T00:00:00Z")
    feed.apply()
    feed.write(5, kind="facility", subtype="hydrogen_station", at="2026-01-02T10:00:00Z")
    feed.write(
        2, kind="tech_centre", subtype="enterprise_tech_centre", tier="municipal", status="closed", tracks=[], at="2026-01-04T10:00:00Z"
    )
    feed.write(6, kind="facility", subtype="none", district="", clusters=["space"], tracks=[], at="2026-01-05T10:00:00Z")
    feed.apply()
    past = [
        ("hydrogen_chain_scale", "2022", "", 40.0, "2026-01-01T03:00:00"),
        ("hydrogen_chain_scale", "2023", "", 50.0, "2026-01-01T03:00:00"),
        ("hydrogen_chain_scale", "2023", "energy", 45.0, "2026-01-02T20:00:00"),
        ("hydrogen_chain_scale", "2023", "", 52.0, "2026-01-03T01:00:00"),
        ("hydrogen_chain_scale", "2023", "energy", 47.0, "2026-01-03T02:00:00"),  # replaces 45 (a later report)
        ("fuel_cell_vehicles", "2024", "", 3000.0, "2026-01-01T05:00:00"),
        ("fuel_cell_vehicles", "2025-06-30", "energy", 4200.0, "2026-01-05T05:00:00"),
    ]
    with db.write() as session:
        session.execute(
            insert(observation_reports),
            [
                {"indicator_key": key, "period": period, "scope": scope, "value": value, "source": "past"}
                | {"recorded_at": datetime.fromisoformat(at).replace(tzinfo=UTC)}
                for key, period, scope, value, at in past
            ],
        )
    assert client.delete("/api/v1/indicators/fuel_cell_vehicles", headers=ADMIN).status_code == 204
    return feed


@pytest.mark.parametrize("moment", MOMENTS)
def test_the_summary_is_the_session_s(db, history, moment):
    as_of = parse_as_of(moment, now=NOW)
    read = summary_service.summary_as_of(db, TODAY, as_of).answer()
    expected = summary_service.summary(db, TODAY, as_of=as_of)
    fresh = ("seconds_behind",)  # of the moment each is made
    assert {k: v for k, v in read.items() if k not in fresh} == {k: v for k, v in expected.items() if k not in fresh}
    if as_of.before > datetime(2026, 1, 1, 3, tzinfo=UTC):  # the first past reports
        assert any(t["current_value"] is not None for t in read["targets"] if t["measure"] == "indicator")


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("cluster", [None, "energy", "space"])
def test_every_page_of_targets_is_the_session_s(db, history, moment, cluster):
    as_of = parse_as_of(moment, now=NOW)
    cursor, pages = None, 0
    while True:
        page = one_statement.list_as_of(db, TODAY, cluster, as_of, limit=2, cursor=cursor).answer()
        assert page == list_targets(db, TODAY, cluster, as_of, limit=2, cursor=cursor)
        pages, cursor = pages + 1, page["next_cursor"]
        if cursor is None:
            break
    assert pages >= 1


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("key", ["hydrogen_stations", "hydrogen_chain_scale", "fuel_cell_vehicles", "future_industry_output"])
def test_one_target_is_the_session_s(db, history, moment, key):
    as_of = parse_as_of(moment, now=NOW)
    assert one_statement.target_as_of(db, key, TODAY, as_of).answer() == get_target(db, key, TODAY, as_of)
