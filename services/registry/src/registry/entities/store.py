"""Reading and writing entity rows with SQLAlchemy Core, a set of rows at a time.

Every write path (POST, PATCH, DELETE, batch) goes through ``write`` so the rows
and the change log always move together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import zip_longest

from sqlalchemy import ARRAY, Integer, Select, and_, any_, bindparam, false, func, literal, or_, select, union, update
from sqlalchemy.orm import Session

from ecoreg_common.db import allocate_ids, bulk_insert, list_contains, one_of
from registry import names
from registry.changes import feed
from registry.entities import search
from registry.entities.state import EDITABLE, timestamp
from registry.tables import entities

_ROW_FIELDS = list(EDITABLE)
# Derived from the names on every write (registry.names), never set by a partner.
_NAME_FORMS = ("search_text", "name_core", "name_zh_core")
# SQLite allows 32,766 bound parameters per statement; stay well below.
_CHUNK = 900


def _chunks(values: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _to_state(row) -> dict:
    return {
        "id": row.id,
        "kind": row.kind,
        "subtype": row.subtype,
        "tier": row.tier,
        "name": row.name,
        "name_zh": row.name_zh,
        "clusters": list(row.clusters),
        "tracks": list(row.tracks),
        "district": row.district,
        "status": row.status,
        "established_on": row.established_on.isoformat() if row.established_on else None,
        "parent_id": row.parent_id,
        "uscc": row.uscc,
        "external_id": row.external_id,
        "attributes": row.attributes,
        "source": row.source,
        "version": row.version,
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
    }


def _row_values(state: dict) -> dict:
    values = {name: state[name] for name in _ROW_FIELDS}
    if values["established_on"] is not None:
        values["established_on"] = date.fromisoformat(values["established_on"])
    values.update(names.stored_forms(state))
    return values


def state_of(row) -> dict:
    """The state (EntitySchema's shape) of a result row holding the ``entities`` columns."""
    return _to_state(row)


def states_from(session: Session, query: Select) -> list[dict]:
    """The states of the ``entities`` rows a select returns."""
    return [_to_state(row) for row in session.execute(query)]


def live_by_id(session: Session, entity_id: int, *, for_update: bool = False) -> dict | None:
    query = select(entities).where(entities.c.id == entity_id, entities.c.retired_at.is_(None))
    if for_update:
        query = query.with_for_update()
    found = states_from(session, query)
    return found[0] if found else None


def _holding_any(session: Session, source: str, codes: Sequence[str], external_ids: Sequence[str]) -> Iterator:
    """Conditions ``uscc IN codes OR (source = source AND external_id IN external_ids)``, one per
    statement to run: on PostgreSQL one (each list is one array parameter), on SQLite one per
    900 values of each list (its limit on bound parameters). None when both lists are empty."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    code_chunks = [list(codes)] if postgresql else list(_chunks(list(codes)))
    external_chunks = [list(external_ids)] if postgresql else list(_chunks(list(external_ids)))
    for code_chunk, external_chunk in zip_longest(code_chunks, external_chunks, fillvalue=()):
        wanted = []
        if code_chunk:
            wanted.append(one_of(session, entities.c.uscc, code_chunk))
        if external_chunk:
            wanted.append(and_(entities.c.source == source, one_of(session, entities.c.external_id, external_chunk)))
        if wanted:
            yield or_(*wanted)


def _probed_live(source: str, codes: Sequence[str], external_ids: Sequence[str]):
    """PostgreSQL's condition for ``live_matches``: the live rows holding any of the values, found by
    index probes, each value one probe of its unique index (``uq_entities_live_uscc``,
    ``uq_entities_live_external_id_source``; a scalar subquery, which that uniqueness keeps
    to one row), their ids then read through the primary key.

    Without the probes, a table never analysed (this machine's PostgreSQL runs with autovacuum
    off) is planned as if ``retired_at IS NULL`` held for 0.5% of the rows, and an ``= ANY``
    lookup reads every live row: 11-17 ms at 20,000 rows, growing with the table; the probes
    cost the same at any size. The lookup's own condition stays beside them, over the same two
    array parameters (sent once): a row changed while the statement waited for its lock is
    judged again on its new version, retired or no longer holding the value, as before.
    """
    live = entities.alias("live")
    wanted_codes = bindparam("wanted_codes", list(codes), type_=ARRAY(entities.c.uscc.type))
    wanted_external_ids = bindparam("wanted_external_ids", list(external_ids), type_=ARRAY(entities.c.external_id.type))

    def probes(values, *holds) -> Select:
        value = func.unnest(values).table_valued("value").render_derived(name="wanted")
        found = select(live.c.id).where(*(hold(value.c.value) for hold in holds), live.c.retired_at.is_(None))
        return select(found.scalar_subquery()).select_from(value)

    holding, ids = [], []
    if codes:
        holding.append(entities.c.uscc == any_(wanted_codes))
        ids.append(probes(wanted_codes, lambda value: live.c.uscc == value))
    if external_ids:
        holding.append(and_(entities.c.source == source, entities.c.external_id == any_(wanted_external_ids)))
        ids.append(probes(wanted_external_ids, lambda value: live.c.external_id == value, lambda _: live.c.source == source))
    probed = union(*ids) if len(ids) > 1 else ids[0]
    return and_(entities.c.id == any_(func.array(probed.scalar_subquery())), or_(*holding))


def live_matches(session: Session, source: str, codes: Sequence[str], external_ids: Sequence[str]) -> list[dict]:
    """Live entities holding any of ``codes`` or, for ``source``, any of ``external_ids``, locked FOR UPDATE.

    One statement (per 900 values on SQLite): ``uscc = ANY(...) OR (source = ...
    AND external_id = ANY(...))``, so an entity matched both ways is read, locked
    and converted once, not twice; on PostgreSQL with the rows found by index probes
    (``_probed_live``).
    """
    live = entities.c.retired_at.is_(None)
    if session.get_bind().dialect.name == "postgresql":
        if not codes and not external_ids:
            return []
        holdings = [_probed_live(source, codes, external_ids)]
    else:
        holdings = _holding_any(session, source, codes, external_ids)
    found: dict[int, dict] = {}
    for holding in holdings:
        query = select(entities).where(live, holding).order_by(entities.c.id).with_for_update()
        for state in states_from(session, query):
            found[state["id"]] = state
    return list(found.values())


def lock_live_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """Those of ``ids`` that are live, locked ``FOR SHARE`` until the transaction ends (a retire waits)."""
    wanted = sorted(set(ids))
    found: set[int] = set()
    for chunk in _chunks(wanted):
        query = select(entities.c.id).where(one_of(session, entities.c.id, chunk), entities.c.retired_at.is_(None))
        found.update(session.scalars(query.order_by(entities.c.id).with_for_update(read=True)))
    return found


def live_children(session: Session, entity_id: int) -> list[dict]:
    """The live entities whose parent is ``entity_id``, locked ``FOR UPDATE``."""
    query = select(entities).where(entities.c.parent_id == entity_id, entities.c.retired_at.is_(None))
    return states_from(session, query.order_by(entities.c.id).with_for_update())


def unique_conflicts(session: Session, state: dict, *, exclude_id: int | None, source: str) -> dict[str, list[str]]:
    """Messages for each unique identifier in ``state`` that another live entity holds.

    ``source`` is the partner the entity belongs to; external ids are unique per partner.
    """
    conflicts: dict[str, list[str]] = {}
    live = [entities.c.retired_at.is_(None)]
    if exclude_id is not None:
        live.append(entities.c.id != exclude_id)
    if state["uscc"]:
        holder = session.scalar(select(entities.c.id).where(*live, entities.c.uscc == state["uscc"]))
        if holder is not None:
            conflicts["uscc"] = [f"entity {holder} is already registered with this code"]
    if state["external_id"]:
        holder = session.scalar(
            select(entities.c.id).where(*live, entities.c.source == source, entities.c.external_id == state["external_id"])
        )
        if holder is not None:
            conflicts["external_id"] = [f"entity {holder} of the same partner already has this external_id"]
    return conflicts


def name_contains(session: Session, q: str):
    """Live rows whose name or Chinese name contains ``q`` in any writing (registry.names).

    The key holds only letters and digits, so it needs no LIKE escaping. PostgreSQL
    answers from the pg_trgm index, by the key's rarest trigrams with the whole key
    rechecked (``search.contains_key``; keys of 3+ characters); SQLite scans the stored
    column with ``instr``, which is case-sensitive like the keys.
    """
    keys = names.query_keys(q)  # 上海X also as 上海市X: the stored key keeps the name as written
    if not keys:
        return false()
    if session.get_bind().dialect.name == "postgresql":
        return or_(*(search.contains_key(session, key) for key in keys))
    return or_(*(func.instr(entities.c.search_text, key) > 0 for key in keys))


def _listed(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def filtered_query(session: Session, filters: dict) -> Select:
    query = select(entities).where(entities.c.retired_at.is_(None))
    for name in ("kind", "subtype", "tier", "district", "status"):
        wanted = _listed(filters.get(name))
        if wanted:
            # "none" stands for no subtype / no district, as the metrics service's counts write it.
            named = [value for value in wanted if not (value == "none" and name in ("subtype", "district"))]
            conditions = [entities.c[name].in_(named)] if named else []
            if len(named) < len(wanted):
                conditions.append(entities.c[name].is_(None))
            query = query.where(or_(*conditions))
    for name in ("cluster", "track"):
        wanted = _listed(filters.get(name))
        if wanted:
            query = query.where(or_(*(list_contains(session, entities.c[name + "s"], value) for value in wanted)))
    if filters.get("q"):
        query = query.where(name_contains(session, filters["q"]))
    if filters.get("updated_since") is not None:
        query = query.where(entities.c.updated_at >= filters["updated_since"])
    if filters.get("newest_first"):
        if filters.get("after_id") is not None:
            query = query.where(entities.c.id < filters["after_id"])
        return query.order_by(entities.c.id.desc())
    if filters.get("after_id") is not None:
        query = query.where(entities.c.id > filters["after_id"])
    return query.order_by(entities.c.id)


# ---- writing -------------------------------------------------------------


@dataclass
class Plan:
    """What one transaction writes: new entities, changed ones, retired ones."""

    creates: list[dict] = field(default_factory=list)  # editable states
    updates: list[tuple[dict, dict]] = field(default_factory=list)  # (current state, new editable state)
    retires: list[dict] = field(default_factory=list)  # current states
    merges: list[tuple[dict, int]] = field(default_factory=list)  # (current state, survivor id)


def write(session: Session, plan: Plan, *, actor: str, now: datetime) -> list[dict]:
    """Apply ``plan`` and append its changes to the feed; the new states, creates first."""
    created = _insert(session, plan.creates, actor, now)
    updated = _update(session, plan.updates, now)
    retired = _retire(session, plan.retires, now)
    merged = _merge(session, plan.merges, now)
    records = [_record("create", state, actor, now) for state in created]
    records += [_record("update", state, actor, now) for state in updated]
    records += [_record("retire", state, actor, now) for state in retired]
    records += [_record("merge", state, actor, now) for state in merged]
    if records:
        feed.append(session, records)
    return created + updated + retired + merged


def _record(op: str, state: dict, actor: str, now: datetime) -> dict:
    return {"entity_id": state["id"], "op": op, "version": state["version"], "at": now, "actor": actor, "entity": state}


def _insert(session: Session, states: list[dict], actor: str, now: datetime) -> list[dict]:
    if not states:
        return []
    ids = allocate_ids(session, entities, len(states))
    # Made as the COPY asks for them (the stored name forms are most of it): the server inserts
    # the rows already sent while the next are made, and the rows are never all held at once.
    rows = (
        {"id": entity_id, **_row_values(s), "source": actor, "version": 1, "created_at": now, "updated_at": now, "retired_at": None}
        for entity_id, s in zip(ids, states, strict=True)
    )
    bulk_insert(session, entities, rows)
    stamp = timestamp(now)
    return [
        {"id": entity_id, **s, "source": actor, "version": 1, "created_at": stamp, "updated_at": stamp}
        for entity_id, s in zip(ids, states, strict=True)
    ]


def _update(session: Session, pairs: list[tuple[dict, dict]], now: datetime) -> list[dict]:
    if not pairs:
        return []
    statement = (
        update(entities)
        # The rows were read FOR UPDATE (or under SQLite's write lock) in this transaction.
        .where(entities.c.id == bindparam("b_id"))
        .values(
            {name: bindparam(f"b_{name}") for name in (*_ROW_FIELDS, *_NAME_FORMS)}
            | {"version": bindparam("b_new_version"), "updated_at": now}
        )
    )
    params = []
    stamp = timestamp(now)
    updated = []
    for current, new in pairs:
        values = _row_values(new)
        params.append({f"b_{k}": v for k, v in values.items()} | {"b_id": current["id"], "b_new_version": current["version"] + 1})
        updated.append({**current, **new, "version": current["version"] + 1, "updated_at": stamp})
    session.execute(statement, params)
    return updated


def _retire(session: Session, states: list[dict], now: datetime) -> list[dict]:
    if not states:
        return []
    session.execute(
        update(entities)
        .where(and_(entities.c.id == bindparam("b_id"), entities.c.retired_at.is_(None)))
        .values(retired_at=now, updated_at=now, version=bindparam("b_new_version")),
        [{"b_id": s["id"], "b_new_version": s["version"] + 1} for s in states],
    )
    stamp = timestamp(now)
    return [{**s, "version": s["version"] + 1, "updated_at": stamp, "retired_at": stamp} for s in states]


def _merge(session: Session, pairs: list[tuple[dict, int]], now: datetime) -> list[dict]:
    """Retire each entity as merged into its survivor; the snapshot says where it went."""
    if not pairs:
        return []
    session.execute(
        update(entities)
        .where(and_(entities.c.id == bindparam("b_id"), entities.c.retired_at.is_(None)))
        .values(retired_at=now, updated_at=now, version=bindparam("b_new_version"), merged_into=bindparam("b_into")),
        [{"b_id": s["id"], "b_new_version": s["version"] + 1, "b_into": into} for s, into in pairs],
    )
    stamp = timestamp(now)
    return [{**s, "version": s["version"] + 1, "updated_at": stamp, "retired_at": stamp, "merged_into": into} for s, into in pairs]


# How many merges a line is followed through. merge_entity merges only into a live entity, so a line
# grows only when a survivor is merged in turn; one this long is treated as broken, like a loop.
MAX_MERGE_STEPS = 64


def _line_of_merges(entity_id: int) -> Select:
    """One statement: the ``entities`` row of ``entity_id`` and of each entity its merges lead to,
    in that order (a recursive CTE, the same on PostgreSQL and SQLite; at most MAX_MERGE_STEPS + 1
    rows, none when there is no such entity)."""
    start = select(entities.c.id, entities.c.merged_into, literal(0, Integer).label("step")).where(entities.c.id == entity_id)
    line = start.cte("line_of_merges", recursive=True)
    line = line.union_all(
        select(entities.c.id, entities.c.merged_into, (line.c.step + 1).label("step")).where(
            entities.c.id == line.c.merged_into, line.c.step < MAX_MERGE_STEPS
        )
    )
    return select(entities).join(line, entities.c.id == line.c.id).order_by(line.c.step)


def _end_of_line(rows: Sequence, entity_id: int) -> int | None:
    """The live entity a line of merges (``_line_of_merges``' rows) ends at; None when the first
    was not merged, or the line ends at a retired entity, loops, or runs past MAX_MERGE_STEPS."""
    if not rows or rows[0].merged_into is None:
        return None
    last = rows[-1]
    if last.merged_into is not None or last.retired_at is not None or last.id == entity_id:
        return None
    return last.id


def merged_into(session: Session, entity_id: int) -> int | None:
    """The live entity a merged entity's line of merges ends at, or None if it was not merged
    (one statement)."""
    return _end_of_line(session.execute(_line_of_merges(entity_id)).all(), entity_id)


def live_or_merged(session: Session, entity_id: int) -> tuple[dict | None, bool]:
    """Entity ``entity_id`` in one statement, live or not: ``(state, False)`` when it is live,
    ``(None, True)`` when it was merged (``merged_into`` then says where it went), ``(None, False)``
    when it was retired or never existed."""
    row = session.execute(select(entities).where(entities.c.id == entity_id)).first()
    if row is None:
        return None, False
    if row.retired_at is None:
        return _to_state(row), False
    return None, row.merged_into is not None


def merged_matches(session: Session, source: str, codes: Sequence[str], external_ids: Sequence[str]) -> list[tuple[dict, int]]:
    """(merged entity, live survivor id) for merged entities holding any of ``codes`` or,
    for ``source``, any of ``external_ids``, whose survivor still lives (newest merge first).

    A table in which no entity was ever merged answers ``[]`` after one statement that
    reads the first entry of the ``merged_into`` index."""
    found: dict[int, dict] = {}
    merged = entities.c.merged_into.is_not(None)
    if (codes or external_ids) and session.scalar(select(func.min(entities.c.merged_into))) is None:
        # No entity was ever merged (the usual case): one look at the merged_into index, not a
        # lookup of every value that reads every row which that index cannot rule out.
        return []
    for holding in _holding_any(session, source, codes, external_ids):
        for state in states_from(session, select(entities).where(merged, holding)):
            found[state["id"]] = state
    out = []
    for state in sorted(found.values(), key=lambda s: s["updated_at"], reverse=True):
        survivor = merged_into(session, state["id"])
        if survivor is not None:
            out.append((state, survivor))
    return out
