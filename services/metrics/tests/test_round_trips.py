"""Every metrics read is one round trip to the database, counted at the driver.

libpq's protocol trace on PostgreSQL, sqlite3's trace callback on SQLite: a pool
ping, a BEGIN, a COMMIT or a second SELECT would show up here. The answer and what
its ETag depends on come from one statement (metrics.answers), so a 304 and a 404 or
422 are one round trip too. The summary and the targets as of a past moment read every
input of every target in that statement as well (targets/as_of.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from metrics_testing import ADMIN, REPORTER, populate_energy
from sqlalchemy import insert

from ecoreg_common.testing import database_round_trips
from metrics.tables import observation_reports


@pytest.fixture
def populated(client, db):
    """The energy entities applied, observations of two indicators in two scopes, and reports
    recorded on 2026-01-01 (so that an as_of answer finds some)."""
    feed = populate_energy(db)
    url = "/api/v1/indicators/hydrogen_chain_scale/observations"
    for path, value in (("/2024", 60), ("/2024?cluster=energy", 58), ("/2025", 64), ("/2025", 66)):
        assert client.put(url + path, json={"value": value}, headers=REPORTER).status_code in (200, 201)
    past = [("2022", "", 40.0, 3), ("2023", "", 50.0, 4), ("2023", "energy", 45.0, 5)]
    with db.write() as session:
        session.execute(
            insert(observation_reports),
            [
                {"indicator_key": "hydrogen_chain_scale", "period": period, "scope": scope, "value": value, "source": "past"}
                | {"recorded_at": datetime(2026, 1, 1, hour, tzinfo=UTC)}
                for period, scope, value, hour in past
            ],
        )
    return feed


def sent_for(client, app, path: str, status: int = 200) -> list[str]:
    """What reading ``path`` sends, after a warm-up request (which may connect, or compute a
    snapshot); psycopg's one-time PREPARE of a statement on its 6th run is left out."""
    assert client.get(path).status_code == status
    with database_round_trips(app.extensions["metrics.db"].engine) as sent:
        response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)
    return [text for text in sent if not text.startswith("PREPARE ")]


def one_round_trip(client, app, path: str, status: int = 200) -> None:
    sent = sent_for(client, app, path, status)
    assert len(sent) == 1, sent
    assert sent[0].lstrip().upper().startswith(("SELECT", "WITH")), sent


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/metrics/counts",
        "/api/v1/metrics/counts?group_by=cluster",
        "/api/v1/metrics/counts?group_by=cluster,kind",
        "/api/v1/metrics/counts?group_by=cluster,track,tier",
        "/api/v1/metrics/counts?kind=facility&status=active,closed&district=pudong",
        "/api/v1/metrics/counts?group_by=track&cluster=energy&tier=national&subtype=hydrogen_station",
        "/api/v1/metrics/counts?group_by=kind&as_of=2026-01-02",
        "/api/v1/metrics/counts?group_by=cluster,kind,tier&kind=facility&as_of=2025-06-01",
        "/api/v1/metrics/counts?as_of=2026-01-01T08:00:00%2B08:00",
        "/api/v1/metrics/summary",
        "/api/v1/targets",
        "/api/v1/targets?cluster=energy&limit=2",
        "/api/v1/targets/hydrogen_stations",
        "/api/v1/targets/hydrogen_chain_scale",
        "/api/v1/indicators",
        "/api/v1/indicators?include_retired=true",
        "/api/v1/indicators/hydrogen_chain_scale/observations",
        "/api/v1/indicators/hydrogen_chain_scale/observations?cluster=energy",
        "/api/v1/indicators/hydrogen_chain_scale/observations?limit=1",
        "/api/v1/indicators/future_industry_output/observations",
        "/api/v1/metrics/history?metric=count",
        "/api/v1/metrics/history?metric=count&kind=facility&from=2025-12-01&to=2026-12-31",
        "/api/v1/metrics/history?metric=target:hydrogen_stations",
        "/api/v1/metrics/prometheus",
        "/api/v1/metrics/summary?as_of=2025-06-01",
        "/api/v1/metrics/summary?as_of=2026-01-01T08:00:00%2B08:00",
        "/api/v1/targets?as_of=2026-01-02",
        "/api/v1/targets?as_of=2026-01-02&cluster=energy",
        "/api/v1/targets?as_of=2026-01-01T12:00:00Z&cluster=energy&limit=2",
        "/api/v1/targets/hydrogen_stations?as_of=2026-01-02",
        "/api/v1/targets/hydrogen_chain_scale?as_of=2026-01-01T12:00:00Z",
    ],
)
def test_a_read_is_one_round_trip(client, app, populated, path):
    one_round_trip(client, app, path)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/metrics/counts?kind=nope", 422),
        ("/api/v1/metrics/counts?group_by=kind&status=active,nope&cluster=energy", 422),
        ("/api/v1/targets/nothing", 404),
        ("/api/v1/targets/nothing?as_of=2026-01-02", 404),
        ("/api/v1/targets?as_of=2026-01-02&cursor=broken", 422),
        ("/api/v1/indicators/nothing/observations", 404),
        ("/api/v1/metrics/history?metric=target:nothing", 404),
    ],
)
def test_a_refusal_is_one_round_trip(client, app, populated, path, status):
    one_round_trip(client, app, path, status)


def test_a_next_page_is_one_round_trip(client, app, populated):
    for url in ("/api/v1/indicators/hydrogen_chain_scale/observations?limit=1", "/api/v1/targets?as_of=2026-01-02&limit=2"):
        cursor = client.get(url).json["next_cursor"]
        one_round_trip(client, app, f"{url}&cursor={cursor}")


def test_a_retired_indicator_is_one_round_trip(client, app, populated):
    assert client.delete("/api/v1/indicators/hydrogen_chain_scale", headers=ADMIN).status_code == 204
    one_round_trip(client, app, "/api/v1/indicators/hydrogen_chain_scale/observations", 404)
    one_round_trip(client, app, "/api/v1/indicators/hydrogen_chain_scale/observations?include_retired=true")
    one_round_trip(client, app, "/api/v1/targets/hydrogen_chain_scale?as_of=2026-01-02")


def test_an_unchanged_answer_revalidates_in_one_round_trip(client, app, populated):
    paths = (
        "/api/v1/metrics/counts?group_by=kind",
        "/api/v1/indicators",
        "/api/v1/targets/hydrogen_stations",
        "/api/v1/metrics/summary?as_of=2026-01-02",
        "/api/v1/targets?as_of=2026-01-02",
        "/api/v1/targets/hydrogen_chain_scale?as_of=2026-01-02",
    )
    for path in paths:
        etag = client.get(path).headers["ETag"]
        with database_round_trips(app.extensions["metrics.db"].engine) as sent:
            response = client.get(path, headers={"If-None-Match": etag})
        assert response.status_code == 304
        assert len([text for text in sent if not text.startswith("PREPARE ")]) == 1, sent


def test_the_vocabulary_reads_nothing(client, app):
    assert sent_for(client, app, "/api/v1/metrics/vocabulary") == []
