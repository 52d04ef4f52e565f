"""Fixtures for the gateway's own tests: a migrated key database on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from ecoreg_common.db import Database
from ecoreg_common.testing import TEST_POSTGRES_ENV, fresh_postgres_database, postgres_base_url
from gateway import migrate
from gateway.tables import api_keys


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('gateway')}/gateway.db"
        migrate.upgrade(url)
        yield url
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"{TEST_POSTGRES_ENV} is not set: the PostgreSQL variant of this test is skipped")
    with fresh_postgres_database(base, "ecoreg_gateway_test") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def db(database_url):
    db = Database(database_url)
    yield db
    with db.write() as session:
        session.execute(delete(api_keys))
    db.dispose()
