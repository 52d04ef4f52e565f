"""Fixtures for the metrics service's tests: every database test runs on SQLite and on PostgreSQL.

One migrated database per backend per xdist worker; each test starts from an
empty read model, with the reference targets and observations as the migration
left them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select, update

from ecoreg_common.db import Database
from ecoreg_common.testing import migrated_database
from metrics import create_app, migrate
from metrics.config import Settings
from metrics.tables import (
    cell_snapshots,
    count_cells,
    entity_facts,
    fact_versions,
    follower_state,
    indicators,
    keyframe_cells,
    keyframes,
    observation_reports,
    observations,
    revision,
    target_snapshots,
    targets,
)

RESTORED = (indicators, targets, observations, observation_reports)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    with migrated_database(request.param, "metrics", tmp_path_factory.mktemp, migrate.upgrade) as url:
        yield url


@pytest.fixture(scope="session")
def database(database_url):
    db = Database(database_url)
    with db.read() as session:
        reference = {table: [row._asdict() for row in session.execute(select(table))] for table in RESTORED}
    yield db, reference
    db.dispose()


@pytest.fixture
def db(database):
    db, reference = database
    yield db
    with db.write() as session:
        for table in (
            target_snapshots,
            cell_snapshots,
            keyframe_cells,
            keyframes,
            count_cells,
            entity_facts,
            fact_versions,
            observation_reports,
            observations,
            targets,
            indicators,
        ):
            session.execute(delete(table))
        for table in RESTORED:
            if reference[table]:
                session.execute(insert(table), reference[table])
        session.execute(
            update(follower_state).values(
                checkpoint=0, registry_latest_seq=0, caught_up_at=None, last_success_at=None, last_error=None, checkpoint_at=None
            )
        )
        session.execute(update(revision).values(value=revision.c.value + 1))


@pytest.fixture
def app(database_url, db):
    app = create_app(Settings(database_url=database_url, log_level="WARNING"))
    yield app
    app.extensions["metrics.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()
