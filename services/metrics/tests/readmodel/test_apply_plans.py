"""A page's statements reach the versions through an index, whatever the table's statistics.

This machine's PostgreSQL runs with autovacuum off (and a deployed one analyses a table
only after enough changes), so the follower meets tables never analysed: there the
planner chose a sequential scan of every version for the closing UPDATE and for the
keyframe's "anything before midnight" check, a cost per page that grew with the table.
"""

from __future__ import annotations

import pytest
from metrics_testing import Feed
from sqlalchemy import event, text
from sqlalchemy.orm import Session

ENTITIES = 3000  # enough pages of versions that a scan of them is not the cheap way to a page's rows


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
    # The server's counters of the versions table, read in the apply's own transaction as it
    # begins and just before its commit: the difference is that transaction's scans and updates.
    # (A backend's counters also hold its earlier transactions' until it reports them, some
    # seconds later; within one transaction nothing is reported, so the difference is exact.)
    seen: list[tuple[int, int]] = []
    counters = text("SELECT seq_scan, n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'fact_versions'")

    def at_begin(_session: Session, _transaction, connection) -> None:
        seen.append(tuple(connection.execute(counters).one()))

    def before_commit(session: Session) -> None:
        seen.append(tuple(session.execute(counters).one()))

    event.listen(Session, "after_begin", at_begin)
    event.listen(Session, "before_commit", before_commit)
    try:
        applied = feed.apply(feed.changes[first_update:])
    finally:
        event.remove(Session, "after_begin", at_begin)
        event.remove(Session, "before_commit", before_commit)

    assert applied.applied == 500
    assert len(seen) == 2, "one transaction"
    (scans_at_begin, updated_at_begin), (scans, updated) = seen
    assert updated - updated_at_begin == 500, "the page closes its entities' earlier versions"
    assert scans - scans_at_begin == 0
