"""Every single-entity, list and feed read is one round trip to the database (a merged
entity's 301 two: see service.read_entity).

Counted at the driver (libpq's protocol trace, sqlite3's trace callback), so a
pool ping, a BEGIN or a COMMIT around the SELECT would show up here.
"""

from __future__ import annotations

import pytest
from registry_testing import as_partner, enterprise

from ecoreg_common.testing import database_round_trips, kill_pooled_connection


@pytest.fixture
def registered(client):
    response = client.post("/api/v1/entities/batch", json={"entities": [enterprise(1), enterprise(2)]}, headers=as_partner())
    assert response.json["summary"]["error"] == 0, response.json
    return [item["id"] for item in response.json["items"]]


def round_trips(client, app, path: str, status: int = 200, headers: dict | None = None) -> list[str]:
    engine = app.extensions["registry.db"].engine
    with database_round_trips(engine) as sent:
        response = client.get(path, headers=headers)
    assert response.status_code == status, response.json
    return sent


def one_round_trip(client, app, path: str, status: int = 200, headers: dict | None = None) -> None:
    # Twice: the first request may open the connection (connecting is not a read).
    round_trips(client, app, path, status, headers)
    sent = round_trips(client, app, path, status, headers)
    # psycopg's preparing of a statement on its 6th run is once per connection, not per read.
    sent = [text for text in sent if not text.startswith("PREPARE ")]
    assert len(sent) == 1, sent
    assert sent[0].lstrip().upper().startswith(("SELECT", "WITH")), sent


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/entities/{id}",
        "/api/v1/entities",
        "/api/v1/entities?cluster=energy&kind=enterprise&limit=1",
        "/api/v1/entities/{id}/history",
        "/api/v1/changes?after=0",
        "/api/v1/changes?after=1000",
    ],
)
def test_a_read_is_one_round_trip(client, app, registered, path):
    one_round_trip(client, app, path.format(id=registered[0]))


def test_the_clusters_list_is_one_round_trip(client, app):
    one_round_trip(client, app, "/api/v1/clusters")


def merge(client, entity_id: int, into: int) -> None:
    response = client.post(f"/api/v1/entities/{entity_id}/merge", json={"into": into}, headers=as_partner())
    assert response.status_code == 200, response.json


def test_an_entity_not_live_is_one_round_trip_a_merged_one_two(client, app):
    """404 for one retired, never registered, or merged into one since retired: one round trip;
    301 for a merged entity: two, the second following its line of merges in one statement
    (the choice in service.read_entity: a live read does not pay for following merges)."""
    response = client.post("/api/v1/entities/batch", json={"entities": [enterprise(n) for n in range(1, 7)]}, headers=as_partner())
    first, second, third, retired, orphan, retired_survivor = (item["id"] for item in response.json["items"])
    merge(client, first, second)
    merge(client, second, third)  # first -> second -> third
    merge(client, orphan, retired_survivor)
    for gone in (retired, retired_survivor):
        assert client.delete(f"/api/v1/entities/{gone}", headers=as_partner()).status_code == 204
    one_round_trip(client, app, f"/api/v1/entities/{retired}", 404)
    one_round_trip(client, app, "/api/v1/entities/999999", 404)
    for merged in (first, second):
        round_trips(client, app, f"/api/v1/entities/{merged}", 301)
        sent = [text for text in round_trips(client, app, f"/api/v1/entities/{merged}", 301) if not text.startswith("PREPARE ")]
        assert len(sent) == 2, sent
        assert client.get(f"/api/v1/entities/{merged}").headers["Location"].endswith(f"/entities/{third}")
    sent = [text for text in round_trips(client, app, f"/api/v1/entities/{orphan}", 404) if not text.startswith("PREPARE ")]
    assert len(sent) == 2, sent


def test_the_duplicates_report_is_one_round_trip(client, app):
    bodies = [
        {**enterprise(10 * group + copy, name=f"Group {'ABC'[group]} Works", name_zh=None), "uscc": None, "external_id": f"g{group}{copy}"}
        for group in range(3)
        for copy in range(2)
    ]
    assert client.post("/api/v1/entities/batch", json={"entities": bodies}, headers=as_partner()).json["summary"]["error"] == 0
    admin = as_partner("ops", admin=True)
    one_round_trip(client, app, "/api/v1/entities/duplicates", headers=admin)
    one_round_trip(client, app, "/api/v1/entities/duplicates?limit=1", headers=admin)


def test_the_counter_sees_pings_and_transactions(client, app, registered):
    # The same count around a write shows what a read no longer sends: a ping, BEGIN, the
    # statements, COMMIT (SQLite: no ping, and its BEGIN goes through the trace as well).
    engine = app.extensions["registry.db"].engine
    with database_round_trips(engine) as sent:
        response = client.post("/api/v1/entities", json=enterprise(9), headers=as_partner())
    assert response.status_code == 201, response.json
    assert len(sent) >= 3, sent
    assert any(statement.upper().startswith("BEGIN") for statement in sent), sent


def test_reads_and_writes_survive_a_dead_pooled_connection(client, app, registered):
    db = app.extensions["registry.db"]
    if db.is_sqlite:
        pytest.skip("an SQLite connection cannot be killed from outside")
    kill_pooled_connection(db)
    response = client.get(f"/api/v1/entities/{registered[0]}")
    assert response.status_code == 200, response.json
    assert response.json["id"] == registered[0]
    # Writes still ping on checkout, so they never start on a dead connection.
    kill_pooled_connection(db)
    response = client.post("/api/v1/entities", json=enterprise(3), headers=as_partner())
    assert response.status_code == 201, response.json
