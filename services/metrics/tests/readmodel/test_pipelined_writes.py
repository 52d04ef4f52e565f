"""The apply's writes go to PostgreSQL as a pipeline: an error in it is the SQLAlchemy error a
statement would raise, the transaction rolls back whole, and a dead connection is retried."""

from __future__ import annotations

import pytest
from metrics_testing import Feed
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from ecoreg_common.db import pipelined
from metrics.readmodel import store
from metrics.tables import follower_state, vocabulary


def test_an_error_in_the_pipeline_is_sqlalchemy_s_and_rolls_back_the_whole_transaction(db):
    row = {"family": "kind", "value": "pipelined_kind"}

    def work() -> None:
        with db.write() as session, pipelined(session):
            store.save_state(session, checkpoint=99)
            session.execute(insert(vocabulary).values(row))
            session.execute(insert(vocabulary).values(row))  # the same key again

    with pytest.raises(IntegrityError):
        work()
    with db.read() as session:
        assert session.scalar(select(follower_state.c.checkpoint)) == 0
        assert session.scalar(select(vocabulary.c.value).where(vocabulary.c.value == "pipelined_kind")) is None


def test_a_page_whose_connection_died_is_applied_on_a_fresh_one(db):
    if db.is_sqlite:
        pytest.skip("PostgreSQL's connections")
    feed = Feed(db)
    for entity_id in range(1, 4):
        feed.write(entity_id)
    with db.write() as session:  # the pooled connection this process will use next, killed by the server
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = create_engine(db.url, poolclass=NullPool)
    with killer.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    applied = feed.apply()
    assert applied.applied == 3
    with db.read() as session:
        assert session.scalar(select(follower_state.c.checkpoint)) == 3
