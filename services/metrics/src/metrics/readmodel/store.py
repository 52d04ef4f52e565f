"""Reading and writing the read model and the counters (SQLAlchemy Core)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ecoreg_common.db import one_of, upsert
from metrics.readmodel.facts import CellKey, Fact
from metrics.tables import CELL_DIMENSIONS, count_cells, entity_facts, fact_versions, follower_state, tracks

_CHUNK = 900


def track_clusters(session: Session) -> dict[str, str]:
    return {row.key: row.cluster_key for row in session.execute(select(tracks.c.key, tracks.c.cluster_key))}


def _fact(row) -> Fact:
    return Fact(
        entity_id=row.entity_id,
        kind=row.kind,
        subtype=row.subtype,
        tier=row.tier,
        status=row.status,
        district=row.district,
        clusters=tuple(row.clusters),
        tracks=tuple(row.tracks),
        version=row.version,
        retired=row.retired,
        seq=row.seq,
    )


def load_facts(session: Session, entity_ids: Iterable[int]) -> dict[int, Fact]:
    wanted = sorted(set(entity_ids))
    found: dict[int, Fact] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for row in session.execute(select(entity_facts).where(one_of(session, entity_facts.c.entity_id, chunk))):
            found[row.entity_id] = _fact(row)
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
    if not rows:
        return
    statement = upsert(session, entity_facts)
    columns = {name: statement.excluded[name] for name in rows[0] if name != "entity_id"}
    session.execute(statement.on_conflict_do_update(index_elements=["entity_id"], set_=columns), rows)


def save_versions(session: Session, versions: list[tuple[Fact, datetime]]) -> None:
    """Record accepted versions (feed order) with their validity: each is valid from its commit
    time until the next version of the same entity; the version open before closes at the first."""
    if not versions:
        return
    firsts: dict[int, datetime] = {}
    rows = []
    following: dict[int, datetime | None] = {}
    for fact, at in reversed(versions):
        rows.append(
            {
                "entity_id": fact.entity_id,
                "version": fact.version,
                "seq": fact.seq,
                "valid_from": at,
                "valid_to": following.get(fact.entity_id),
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
        following[fact.entity_id] = at
        firsts[fact.entity_id] = at
    close = (
        update(fact_versions)
        .where(fact_versions.c.entity_id == bindparam("b_id"), fact_versions.c.valid_to.is_(None))
        .values(valid_to=bindparam("b_at"))
    )
    session.execute(close, [{"b_id": entity_id, "b_at": at} for entity_id, at in firsts.items()])
    statement = upsert(session, fact_versions)
    session.execute(statement.on_conflict_do_nothing(index_elements=["entity_id", "version"]), rows[::-1])


def add_to_cells(session: Session, delta: Counter[CellKey]) -> None:
    """Add each non-zero delta to its cell, creating cells as needed."""
    rows = [{**dict(zip(CELL_DIMENSIONS, key, strict=True)), "count": change} for key, change in delta.items() if change]
    if not rows:
        return
    statement = upsert(session, count_cells)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=list(CELL_DIMENSIONS), set_={"count": count_cells.c.count + statement.excluded.count}
        ),
        rows,
    )


def lock_state(session: Session):
    """The follower's state row, locked: one applier at a time, whatever runs."""
    return session.execute(select(follower_state).where(follower_state.c.id == 1).with_for_update()).one()


def read_state(session: Session):
    return session.execute(select(follower_state).where(follower_state.c.id == 1)).one()


def save_state(session: Session, **values) -> None:
    session.execute(update(follower_state).where(follower_state.c.id == 1).values(**values))


def record_error(session: Session, message: str, at: datetime) -> None:
    save_state(session, last_error=message[:2000], last_error_at=at)
