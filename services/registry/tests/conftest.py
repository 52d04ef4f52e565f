"""Fixtures for the registry's tests: every test runs on SQLite and on PostgreSQL.

One migrated database per backend per xdist worker; each test starts from empty
entity tables (the reference data stays, as a migration left it).
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from ecoreg_common.db import Database
from ecoreg_common.identity import PARTNER_HEADER, SCOPES_HEADER
from ecoreg_common.testing import TEST_POSTGRES_ENV, fresh_postgres_database, postgres_base_url
from registry import create_app, migrate, uscc
from registry.config import Settings
from registry.tables import changes, entities, entity_clusters, entity_tracks, feed_counter, idempotency_keys

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('registry')}/registry.db"
        migrate.upgrade(url)
        yield url
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"{TEST_POSTGRES_ENV} is not set: the PostgreSQL variant of this test is skipped")
    with fresh_postgres_database(base, "ecoreg_registry_test") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def database(database_url):
    db = Database(database_url)
    yield db
    db.dispose()


def wipe(db: Database) -> None:
    with db.write() as session:
        for table in (idempotency_keys, changes, entity_tracks, entity_clusters):
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


def as_partner(partner: str = "partner-a", *, admin: bool = False, **extra: str) -> dict[str, str]:
    headers = {PARTNER_HEADER: partner, **extra}
    if admin:
        headers[SCOPES_HEADER] = "admin entities:write"
    return headers


def code(serial: int) -> str:
    """A valid Unified Social Credit Code, different for each serial."""
    return uscc.complete(f"91310000MA1G{serial:05d}")


def enterprise(serial: int = 1, **overrides) -> dict:
    body = {
        "kind": "enterprise",
        "subtype": "high_tech",
        "name": f"Test Enterprise {serial}",
        "name_zh": f"测试企业{serial}",
        "clusters": ["energy"],
        "tracks": ["hydrogen"],
        "district": "jiading",
        "uscc": code(serial),
    }
    body.update(overrides)
    return body
