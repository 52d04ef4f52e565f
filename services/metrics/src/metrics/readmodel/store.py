"""Reading and writing the read model and the counters (SQLAlchemy Core)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from ecoreg_common.db import deferred_flush, instant_param, json_param, json_rows, one_of, upsert_many
from metrics.readmodel.facts import CellKey, Fact, built
from metrics.tables import CELL_DIMENSIONS, count_cells, entity_facts, fact_versions, follower_state, tracks

_CHUNK = 900


def track_clusters(session: Session) -> dict[str, str]:
    return {row.key: row.cluster_key for row in session.execute(select(tracks.c.key, tracks.c.cluster_key))}


def fact_from_row(row) -> Fact:
    """The Fact a row of ``entity_facts`` or ``fact_versions`` holds (the same columns)."""
    return built(
        {
            "entity_id": row.entity_id,
            "kind": row.kind,
            "subtype": row.subtype,
            "tier": row.tier,
            "status": row.status,
            "district": row.district,
            "clusters": tuple(row.clusters),
            "tracks": tuple(row.tracks),
            "version": row.version,
            "retired": row.retired,
            "seq": row.seq,
        }
    )


def load_facts(session: Session, entity_ids: Iterable[int]) -> dict[int, Fact]:
    wanted = sorted(set(entity_ids))
    found: dict[int, Fact] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for row in session.execute(select(entity_facts).where(one_of(session, entity_facts.c.entity_id, chunk))):
            found[row.entity_id] = fact_from_row(row)
    return found


def save_facts(session: Session, facts: Iterable[Fact]) -> None:
    rows = [
        {
            "entity_id": f.entity_id,
            "kind": f.kind,
            "subtype": f.subtype,
            "tier": f.tier,
            "status": f.status,
            "district": f.district,
            "clusters": list(f.clusters),
            "tracks": list(f.tracks),
            "version": f.version,
            "retired": f.retired,
            "seq": f.seq,
        }
        for f in facts
    ]
    upsert_many(
        session,
        entity_facts,
        rows,
        key=["entity_id"],
        set_=lambda excluded: {name: excluded[name] for name in rows[0] if name != "entity_id"},
    )


def save_versions(session: Session, versions: list[tuple[Fact, datetime]], *, had_facts: Collection[int] | None = None) -> None:
    """Record accepted versions (feed order) with their validity: each is valid from its commit
    time until the earliest commit time of the later versions of the same entity, so that at
    any instant T the entity is its newest version (by seq) committed before T, and never two
    versions at once. (The registry's times are its clock read before the commit, so a later
    version may carry an earlier time: versions v1 at 5, v2 at 10, v3 at 8 make v1 valid until
    8, not 10, and v2 never.) Earlier rows of these entities are closed the same way.

    ``had_facts``: the entities that had a fact before these versions (``load_facts``). A
    version row is only ever written with its fact, so only they can have an open version
    to close; the others are new, and without any the closing statement is not sent (a page
    of registrations costs one statement less). None: close for every entity.
    """
    if not versions:
        return
    firsts: dict[int, datetime] = {}
    rows = []
    following: dict[int, datetime | None] = {}
    instant = instant_param(session)  # the times as text on PostgreSQL: no JSON hook per value
    for fact, at in reversed(versions):
        later = following.get(fact.entity_id)
        rows.append(
            {
                "entity_id": fact.entity_id,
                "version": fact.version,
                "seq": fact.seq,
                "valid_from": instant(at),
                "valid_to": None if later is None else instant(later),
                "kind": fact.kind,
                "subtype": fact.subtype,
                "tier": fact.tier,
                "status": fact.status,
                "district": fact.district,
                "clusters": list(fact.clusters),
                "tracks": list(fact.tracks),
                "retired": fact.retired,
            }
        )
        following[fact.entity_id] = firsts[fact.entity_id] = at if later is None else min(at, later)
    closing = [
        {"entity_id": entity_id, "valid_to": instant(at)} for entity_id, at in firsts.items() if had_facts is None or entity_id in had_facts
    ]
    if closing and session.get_bind().dialect.name == "postgresql":
        # One statement for the page (UPDATE ... FROM the rows), not one per entity. The ids
        # again as an array, so that the versions are found by the primary key's index (a
        # bitmap scan of the page's entities) rather than by a join probing every version.
        source = json_rows(fact_versions, ["entity_id", "valid_to"])
        close = (
            update(fact_versions)
            .where(
                one_of(session, fact_versions.c.entity_id, [row["entity_id"] for row in closing]),
                fact_versions.c.entity_id == source.c.entity_id,
                or_(fact_versions.c.valid_to.is_(None), fact_versions.c.valid_to > source.c.valid_to),
            )
            .values(valid_to=source.c.valid_to)
        )
        session.execute(close, {"rows": json_param(closing)})
    elif closing:
        close = (
            update(fact_versions)
            .where(
                fact_versions.c.entity_id == bindparam("b_id"),
                or_(fact_versions.c.valid_to.is_(None), fact_versions.c.valid_to > bindparam("b_at")),
            )
            .values(valid_to=bindparam("b_at"))
        )
        session.execute(close, [{"b_id": row["entity_id"], "b_at": row["valid_to"]} for row in closing])
    upsert_many(session, fact_versions, rows[::-1], key=["entity_id", "version"], set_=None)


def add_to_cells(session: Session, delta: Counter[CellKey]) -> None:
    """Add each non-zero delta to its cell, creating cells as needed."""
    rows = [{**dict(zip(CELL_DIMENSIONS, key, strict=True)), "count": change} for key, change in delta.items() if change]
    upsert_many(
        session, count_cells, rows, key=list(CELL_DIMENSIONS), set_=lambda excluded: {"count": count_cells.c.count + excluded.count}
    )


def lock_state(session: Session, *, defer_flush: bool = False, keyed_plans: bool = False):
    """The follower's state row, locked: one applier at a time, whatever runs.

    ``defer_flush``: this transaction's commit need not wait for the disk (see
    ``ecoreg_common.db.deferred_flush``), set by the same statement. ``keyed_plans``:
    for the rest of this transaction PostgreSQL plans no sequential scan it can avoid
    (``SET LOCAL enable_seqscan = off``, by the same statement; nothing on SQLite). For
    a page's apply, whose statements each reach a page's rows by key or by a time range:
    on tables never analysed (autovacuum off, or not run yet) the planner guessed a scan
    of every version for the closing UPDATE (18 ms a page at 40,000 versions, growing
    with the table) where the primary key's index finds them.
    """
    columns = [follower_state, *(deferred_flush(session) if defer_flush else [])]
    if keyed_plans and session.get_bind().dialect.name == "postgresql":
        columns.append(func.set_config("enable_seqscan", "off", True))
    return session.execute(select(*columns).where(follower_state.c.id == 1).with_for_update(of=follower_state)).one()


def read_state(session: Session):
    return session.execute(select(follower_state).where(follower_state.c.id == 1)).one()


def save_state(session: Session, **values) -> None:
    session.execute(update(follower_state).where(follower_state.c.id == 1).values(**values))


def record_error(session: Session, message: str, at: datetime) -> None:
    save_state(session, last_error=message[:2000], last_error_at=at)
