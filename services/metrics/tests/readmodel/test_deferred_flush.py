"""The apply's commit skips the WAL flush for its own transaction only, never for the connection.

``synchronous_commit`` off is safe for a feed page (lost whole with its
checkpoint, refetched), not for targets or observations written later on the
same pooled connection; so it must be ``SET LOCAL``, not ``SET``.
"""

from __future__ import annotations

import pytest
from metrics_testing import Feed
from sqlalchemy import text

from ecoreg_common.db import Database
from metrics.readmodel import store


@pytest.fixture
def one_connection(db):
    if db.is_sqlite:
        pytest.skip("synchronous_commit is PostgreSQL's")
    single = Database(db.url, pool_size=1, max_overflow=0)
    yield single
    single.dispose()


def synchronous_commit(session) -> str:
    return session.execute(text("SHOW synchronous_commit")).scalar_one()


def test_the_apply_transaction_defers_its_flush(one_connection):
    with one_connection.write() as session:
        assert synchronous_commit(session) == "on"
        store.lock_state(session, defer_flush=True)
        assert synchronous_commit(session) == "off"
    with one_connection.write() as session:
        assert synchronous_commit(session) == "on"


def test_after_a_page_the_pooled_connection_commits_synchronously_again(one_connection):
    feed = Feed(one_connection)
    feed.write(1)
    feed.write(2, clusters=["materials"], tracks=["graphene"])
    assert feed.apply().checkpoint == 2
    with one_connection.write() as session:
        assert synchronous_commit(session) == "on"
        assert store.read_state(session).checkpoint == 2
