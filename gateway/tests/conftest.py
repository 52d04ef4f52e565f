"""Fixtures for the gateway's own tests: a migrated key database on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from ecoreg_common.db import Database
from ecoreg_common.testing import migrated_database
from gateway import migrate
from gateway.tables import api_keys


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    with migrated_database(request.param, "gateway", tmp_path_factory.mktemp, migrate.upgrade) as url:
        yield url


@pytest.fixture
def db(database_url):
    db = Database(database_url)
    yield db
    with db.write() as session:
        session.execute(delete(api_keys))
    db.dispose()
