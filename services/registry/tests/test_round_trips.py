"""Every single-entity, list and feed read is one round trip to the database.

Counted at the driver (libpq's protocol trace, sqlite3's trace callback), so a
pool ping, a BEGIN or a COMMIT around the SELECT would show up here.
"""

from __future__ import annotations

import pytest
from registry_testing import as_partner, enterprise
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from ecoreg_common.testing import database_round_trips


@pytest.fixture
def registered(client):
    response = client.post("/api/v1/entities/batch", json={"entities": [enterprise(1), enterprise(2)]}, headers=as_partner())
    assert response.json["summary"]["error"] == 0, response.json
    return [item["id"] for item in response.json["items"]]


def round_trips(client, app, path: str) -> list[str]:
    engine = app.extensions["registry.db"].engine
    with database_round_trips(engine) as sent:
        response = client.get(path)
    assert response.status_code == 200, response.json
    return sent


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
    # Twice: the first request may open the connection (connecting is not a read).
    round_trips(client, app, path.format(id=registered[0]))
    sent = round_trips(client, app, path.format(id=registered[0]))
    assert len(sent) == 1, sent
    assert sent[0].lstrip().upper().startswith("SELECT"), sent


def test_the_counter_sees_pings_and_transactions(client, app, registered):
    # The same count around a write shows what a read no longer sends.
    sent = round_trips(client, app, "/api/v1/clusters")  # two statements in one read transaction
    assert len(sent) >= 3, sent
    assert any(statement.upper().startswith("BEGIN") for statement in sent) or app.extensions["registry.db"].is_sqlite


def kill_pooled_connection(db) -> None:
    """Terminate the pooled connection's server process from outside the pool, as a restart would."""
    with db.engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    outside = create_engine(db.url, poolclass=NullPool)
    with outside.begin() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    outside.dispose()


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
