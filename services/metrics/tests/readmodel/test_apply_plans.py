"""A page's statements reach the versions through an index, whatever the table's statistics.

This machine's PostgreSQL runs with autovacuum off (and a deployed one analyses a table
only after enough changes), so the follower meets tables never analysed: there the
planner chose a sequential scan of every version for the closing UPDATE and for the
keyframe's "anything before midnight" check, a cost per page that grew with the table.
"""

from __future__ import annotations

import time

import pytest
from metrics_testing import Feed
from sqlalchemy import text

ENTITIES = 3000  # enough pages of versions that a scan of them is not the cheap way to a page's rows


def _version_table_stats(db) -> tuple[int, int]:
    """(sequential scans, rows updated) of ``fact_versions`` as the server's statistics hold them."""
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT seq_scan, n_tup_upd FROM pg_stat_user_tables WHERE relname = 'fact_versions'")).one()
        connection.rollback()
    return row.seq_scan, row.n_tup_upd


def test_an_update_page_reads_no_version_table_sequentially(db):
    if db.is_sqlite:
        pytest.skip("PostgreSQL's plans and statistics")
    feed = Feed(db)
    for entity_id in range(1, ENTITIES + 1):
        feed.write(entity_id)
    for start in range(0, ENTITIES, 500):
        feed.apply(feed.changes[start : start + 500])
    first_update = len(feed.changes)
    for entity_id in range(1, 501):
        feed.write(entity_id, status="building")
    time.sleep(1.1)  # a backend reports its statistics at most once a second: let the loading's arrive
    scans_before, updated_before = _version_table_stats(db)

    applied = feed.apply(feed.changes[first_update:])

    assert applied.applied == 500
    deadline = time.monotonic() + 15
    while True:  # until the apply's backend has reported (its UPDATE closed 500 versions)
        scans, updated = _version_table_stats(db)
        if updated >= updated_before + 500 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert updated >= updated_before + 500, "the page closes its entities' earlier versions"
    assert scans == scans_before
