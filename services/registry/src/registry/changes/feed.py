"""The change feed: appended in the writer's transaction, read in commit order.

The classic trap: if a change took its sequence number early and committed
late, a follower that already read past that number would never see it. Here a
writer takes its numbers from the single ``feed_counter`` row as the last step
before commit; the row lock it takes is held until commit, so no other writer
can take a number until this one's changes are visible. Sequence order is
therefore commit order, and ``seq > after`` never skips a change that commits
later. (SQLite gets the same guarantee from its database-wide write lock.)
"""

from __future__ import annotations

from sqlalchemy import literal, select, true, union_all, update
from sqlalchemy.orm import Session

from ecoreg_common.db import Database, bulk_insert
from registry.entities.state import diff, timestamp
from registry.tables import changes, feed_counter


def append(session: Session, records: list[dict]) -> list[int]:
    """Insert ``records`` as changes with the next sequence numbers; call last in the transaction."""
    last = session.execute(
        update(feed_counter)
        .where(feed_counter.c.id == 1)
        .values(last_seq=feed_counter.c.last_seq + len(records))
        .returning(feed_counter.c.last_seq)
    ).scalar_one()
    first = last - len(records) + 1
    seqs = list(range(first, last + 1))
    bulk_insert(session, changes, [{"seq": seq, **record} for seq, record in zip(seqs, records, strict=True)])
    return seqs


def latest_seq(session: Session) -> int:
    return session.scalar(select(feed_counter.c.last_seq).where(feed_counter.c.id == 1)) or 0


def _public(row) -> dict:
    return {
        "seq": row.seq,
        "entity_id": row.entity_id,
        "op": row.op,
        "version": row.version,
        "at": timestamp(row.at),
        "actor": row.actor,
        "entity": row.entity,
    }


def read(db: Database, after: int, limit: int) -> dict:
    """Changes with ``seq > after``, oldest first, and where to continue from.

    One statement, so one snapshot and one round trip: the counter row joined
    to the page (no change columns when the page is empty), so ``latest_seq`` is
    never below the page it comes with.
    """
    page = select(changes).where(changes.c.seq > after).order_by(changes.c.seq).limit(limit).subquery()
    query = (
        select(feed_counter.c.last_seq, page)
        .select_from(feed_counter.outerjoin(page, true()))
        .where(feed_counter.c.id == 1)
        .order_by(page.c.seq)
    )
    rows = db.query(lambda session: session.execute(query).all())
    latest = rows[0].last_seq if rows else 0
    items = [_public(row) for row in rows if row.seq is not None]
    return {"changes": items, "next_after": items[-1]["seq"] if items else after, "latest_seq": latest}


def history(db: Database, entity_id: int, *, after_seq: int = 0, limit: int | None = None) -> tuple[list[dict], dict | None] | None:
    """A page of one entity's versions, oldest first, each with what it changed, and its newest version.

    ``after_seq``: only versions with a later seq. ``limit``: at most this many
    (all when None). Returns (versions, newest) or None if it never existed. One
    statement (one round trip): the page, the version before it (to diff the
    page's first against) and the newest version, as a UNION ALL of three
    ordered sub-selects told apart by ``part``.
    """
    mine = changes.c.entity_id == entity_id
    page = select(changes, literal("page").label("part")).where(mine, changes.c.seq > after_seq).order_by(changes.c.seq)
    if limit is not None:
        page = page.limit(limit)
    before = (
        select(changes, literal("before").label("part")).where(mine, changes.c.seq <= after_seq).order_by(changes.c.seq.desc()).limit(1)
    )
    newest = select(changes, literal("newest").label("part")).where(mine).order_by(changes.c.seq.desc()).limit(1)
    parts = [select(part.subquery()) for part in (page, before, newest)]
    rows = db.query(lambda session: session.execute(union_all(*parts)).all())
    found = {"page": [], "before": [], "newest": []}
    for row in rows:
        found[row.part].append(row)
    if not found["newest"]:
        return None
    versions = []
    previous = found["before"][0].entity if found["before"] else None
    for row in sorted(found["page"], key=lambda row: row.seq):
        version = _public(row)
        version["changes"] = {} if row.op == "retire" else diff(previous, row.entity)
        versions.append(version)
        previous = row.entity
    return versions, _public(found["newest"][0])
