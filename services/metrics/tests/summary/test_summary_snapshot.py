"""The live summary is computed once per change of its data and read in one statement.

Round trips are counted at the driver (libpq's protocol trace, sqlite3's trace
callback), so a BEGIN, a COMMIT or a second SELECT would show up here.
"""

from __future__ import annotations

from metrics_testing import populate_energy
from sqlalchemy import select, update

from ecoreg_common.testing import database_round_trips
from metrics import clock, create_app
from metrics.config import Settings
from metrics.summary import service
from metrics.tables import answer_snapshots, revision
from metrics.targets.service import delete_target


def statements(app, client, path="/api/v1/metrics/summary") -> tuple[list[str], dict]:
    with database_round_trips(app.extensions["metrics.db"].engine) as sent:
        response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return sent, response.json


def test_an_unchanged_summary_is_one_statement(app, client, db):
    populate_energy(db)
    first, _ = statements(app, client)  # computes and stores the snapshot
    assert len(first) > 5, first
    sent, body = statements(app, client)
    assert len(sent) == 1, sent
    assert sent[0].lstrip().upper().startswith("SELECT"), sent
    assert body["active_entities"] == 4


def test_the_snapshot_answers_what_computing_answers(app, client, db):
    populate_energy(db)
    client.get("/api/v1/metrics/summary")
    served = client.get("/api/v1/metrics/summary").json
    assert served == service.summary(db, clock.today())
    assert served["as_of_seq"] == 4
    assert served["seconds_behind"] == 0


def test_every_process_sees_a_change_at_once(app, client, db, database_url):
    # A second app is a second worker: its snapshot is the same row, so a write seen by
    # one is seen by all, and neither keeps an answer of its own.
    second = create_app(Settings(database_url=database_url, log_level="WARNING"))
    try:
        _every_process_sees_a_change(client, second.test_client(), db)
    finally:
        second.extensions["metrics.db"].dispose()  # its pool's connections, closed rather than left to the collector


def _every_process_sees_a_change(client, other, db):
    feed = populate_energy(db)
    assert client.get("/api/v1/metrics/summary").json["active_entities"] == 4
    assert other.get("/api/v1/metrics/summary").json["active_entities"] == 4
    feed.write(5, kind="facility", subtype="hydrogen_station", clusters=["energy"], tracks=["hydrogen"])
    feed.apply()
    assert other.get("/api/v1/metrics/summary").json["active_entities"] == 5
    assert client.get("/api/v1/metrics/summary").json["active_entities"] == 5
    assert "hydrogen_stations" in [t["key"] for t in client.get("/api/v1/metrics/summary").json["targets"]]
    delete_target(db, "hydrogen_stations")
    assert "hydrogen_stations" not in [t["key"] for t in other.get("/api/v1/metrics/summary").json["targets"]]
    assert "hydrogen_stations" not in [t["key"] for t in client.get("/api/v1/metrics/summary").json["targets"]]


def test_a_snapshot_of_other_data_is_never_served(app, client, db):
    populate_energy(db)
    client.get("/api/v1/metrics/summary")
    with db.write() as session:
        session.execute(update(answer_snapshots).values(body='{"active_entities": 999}'))
        served = session.scalar(select(answer_snapshots.c.body))
    assert client.get("/api/v1/metrics/summary").json["active_entities"] == 999  # the row is what is served...
    with db.write() as session:
        session.execute(update(revision).values(value=revision.c.value + 1))
    body = client.get("/api/v1/metrics/summary").json  # ...only while its version is the data's
    assert body["active_entities"] == 4
    assert served != _stored(db)


def test_as_of_is_computed_not_snapshotted(app, client, db):
    populate_energy(db)
    client.get("/api/v1/metrics/summary")
    stored = _stored(db)
    answer = client.get("/api/v1/metrics/summary?as_of=2025-06-01")
    assert answer.status_code == 200
    assert answer.json["active_entities"] == 0  # the changes are of 2026-01-01
    assert "2025-06-01" in answer.json["as_of"]
    assert _stored(db) == stored


def test_an_unchanged_summary_revalidates(app, client, db):
    populate_energy(db)
    etag = client.get("/api/v1/metrics/summary").headers["ETag"]
    again = client.get("/api/v1/metrics/summary", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["X-Ecoreg-Checkpoint"] == "4"


def _stored(db) -> str | None:
    with db.read() as session:
        return session.scalar(select(answer_snapshots.c.body))
