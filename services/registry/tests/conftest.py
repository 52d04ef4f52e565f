"""Fixtures for the registry's tests: every test runs on SQLite and on PostgreSQL.

One migrated database per backend per xdist worker; each test starts from empty
entity tables (the reference data stays, as a migration left it).
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from ecoreg_common.db import Database
from ecoreg_common.testing import migrated_database
from registry import create_app, migrate
from registry.config import Settings
from registry.tables import changes, entities, feed_counter, idempotency_keys


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    with migrated_database(request.param, "registry", tmp_path_factory.mktemp, migrate.upgrade) as url:
        yield url


@pytest.fixture(scope="session")
def database(database_url):
    db = Database(database_url)
    yield db
    db.dispose()


def wipe(db: Database) -> None:
    with db.write() as session:
        for table in (idempotency_keys, changes):
            session.execute(delete(table))
        session.execute(update(entities).values(parent_id=None))
        session.execute(delete(entities))
        session.execute(update(feed_counter).values(last_seq=0))


@pytest.fixture
def db(database):
    yield database
    wipe(database)


@pytest.fixture
def settings(database_url):
    return Settings(database_url=database_url, max_body_bytes=256 * 1024)


@pytest.fixture
def app(settings, db):
    app = create_app(settings)
    yield app
    app.extensions["registry.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()
