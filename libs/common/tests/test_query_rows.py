"""``Database.query_rows``: one Core statement's rows in one round trip, on SQLite and PostgreSQL,
with the columns' types applied as a Session would, and again on a fresh connection if the
pooled one died."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert, select

from ecoreg_common.db import Database
from ecoreg_common.testing import database_round_trips, fresh_postgres_database, kill_pooled_connection, postgres_base_url
from ecoreg_common.types import UTCDateTime

metadata = MetaData()
things = Table("things", metadata, Column("id", Integer, primary_key=True), Column("name", Text), Column("at", UTCDateTime))
AT = datetime(2026, 12, 4, 11, 30, 5, 250000, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'rows.db'}")
        yield from _filled(database)
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip("TEST_POSTGRES_URL is not set")
    with fresh_postgres_database(base, "ecoreg_common_rows_test") as url:
        yield from _filled(Database(url))


def _filled(database: Database):
    metadata.create_all(database.engine)
    with database.write() as session:
        session.execute(insert(things), [{"id": 1, "name": "能源", "at": AT}, {"id": 2, "name": "space", "at": None}])
    yield database
    database.dispose()


def test_rows_come_typed_and_named_in_one_round_trip(db):
    statement = select(things.c.id, things.c.name, things.c.at).order_by(things.c.id)
    db.query_rows(statement)  # the pool's first connection: connecting is not the read's
    with database_round_trips(db.engine) as sent:
        rows = db.query_rows(statement)
    assert [(row.id, row.name, row.at) for row in rows] == [(1, "能源", AT), (2, "space", None)]
    assert rows == db.query(lambda session: session.execute(statement).all())  # what a Session reads
    assert len(sent) == 1, sent  # no ping, no BEGIN, no COMMIT
    assert sent[0].lstrip().upper().startswith("SELECT"), sent


def test_a_dead_pooled_connection_is_replaced_and_the_read_runs_again(db):
    if db.is_sqlite:
        pytest.skip("an SQLite connection cannot be killed from outside")
    statement = select(things.c.name).where(things.c.id == 2)
    kill_pooled_connection(db)
    assert [row.name for row in db.query_rows(statement)] == ["space"]
