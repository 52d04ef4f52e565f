"""Registering, finding, changing and retiring entities. No Flask in here.

Each public function is one transaction. Writes go through ``store.write``, which
appends to the change feed in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ecoreg_common import cursors
from ecoreg_common.conditional import if_match_passes
from ecoreg_common.db import Database
from ecoreg_common.errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired, ValidationFailed
from registry.changes import feed
from registry.clusters.service import reference
from registry.entities import parents, rules, search, store
from registry.entities.state import editable_part, merged_state, new_state
from registry.partner import Partner


def utcnow() -> datetime:
    return datetime.now(UTC)


def etag(state: dict) -> str:
    return f'"{state["version"]}"'


def location(entity_id: int) -> str:
    return f"/api/v1/entities/{entity_id}"


def validate(session: Session, db: Database, state: dict, *, current: dict | None, source: str) -> None:
    """Raise ValidationFailed (422) or Conflict (409) unless ``state`` may be stored.

    The parent is checked (and locked) by ``parents.ParentCheck``, as on every path that writes ``parent_id``.
    """
    errors = rules.check(state, reference(db))
    moves = current is not None and state["parent_id"] != current["parent_id"]
    problems = parents.ParentCheck(session, [state["parent_id"]], moves_existing=moves).problems(state, current)
    if problems:
        errors.setdefault("parent_id", []).extend(problems)
    if errors:
        raise ValidationFailed(errors)
    conflicts = store.unique_conflicts(session, state, exclude_id=current["id"] if current else None, source=source)
    if conflicts:
        raise Conflict("Another live entity already holds this identifier.", errors=conflicts)


def get_entity(db: Database, entity_id: int) -> dict:
    """The live entity ``entity_id`` (EntitySchema's shape); NotFound when it is not live."""
    state = db.query(lambda session: store.live_by_id(session, entity_id))
    if state is None:
        raise NotFound(f"There is no entity {entity_id}.")
    return state


def read_entity(db: Database, entity_id: int) -> tuple[dict | None, int | None]:
    """What ``GET /entities/{id}`` finds: ``(state, None)`` for a live entity, ``(None, survivor
    id)`` for one merged into a live entity (following merges of merges). NotFound otherwise
    (never existed, retired, or merged into one since retired).

    One database round trip, and a second only for a merged entity (its line of merges, one
    statement). A single statement for every case, the line of merges as a recursive CTE, would
    cost each live read 1.7x the database time (589 against 344 us a statement, measured in
    session 8), and a join of the merged entity's row 1.3x, for a 301 that partners rarely meet.
    """
    state, merged = db.query(lambda session: store.live_or_merged(session, entity_id))
    if state is not None:
        return state, None
    survivor = db.query(lambda session: store.merged_into(session, entity_id)) if merged else None
    if survivor is None:
        raise NotFound(f"There is no entity {entity_id}.")
    return None, survivor


def list_entities(db: Database, filters: dict, limit: int, cursor: str | None, *, newest_first: bool = False) -> dict:
    query_filters = dict(filters, newest_first=newest_first)
    if cursor:
        after_id = cursors.decode(cursor, keys={"id": int})["id"]
        if not 0 <= after_id < 2**62:
            raise ValidationFailed({"cursor": ["is not a cursor this API gave out; use next_cursor as given"]})
        query_filters["after_id"] = after_id
    if filters.get("q"):
        search.refresh(db)  # which trigrams are rare, for q on PostgreSQL (a sample, at most every 10 minutes)
    page = db.query(lambda session: store.states_from(session, store.filtered_query(session, query_filters).limit(limit + 1)))
    more = len(page) > limit
    page = page[:limit]
    return {"items": page, "next_cursor": cursors.encode({"id": page[-1]["id"]}) if more else None}


def register(session: Session, db: Database, fields: dict, partner: Partner, now: datetime) -> dict:
    """Register one entity in ``session``'s transaction; the entity as stored (EntitySchema's shape).

    Raises ValidationFailed (a rule broken), Conflict (uscc or external_id taken).
    """
    state = new_state(fields)
    validate(session, db, state, current=None, source=partner.name)
    [created] = store.write(session, store.Plan(creates=[state]), actor=partner.name, now=now)
    return created


def create_entity(db: Database, fields: dict, partner: Partner) -> dict:
    """Register one entity in a transaction of its own (see ``register``)."""
    return db.transact(lambda session: register(session, db, fields, partner, utcnow()))


def check_if_match(state: dict, if_match: list[str] | None, *, required: bool) -> None:
    if if_match is None:
        if required:
            raise PreconditionRequired(f"Send If-Match with the entity's ETag ({etag(state)}) to change it.")
        return
    if not if_match_passes(if_match, etag(state)):  # strong comparison (RFC 9110, 13.1.1)
        raise PreconditionFailed(f"The entity has changed since you read it; its ETag is now {etag(state)}.")


def _lock_for_change(session: Session, entity_id: int, partner: Partner, if_match: list[str] | None, *, if_match_required: bool) -> dict:
    """The live entity, locked for this transaction, once the partner may change it: 404, 403, 428, 412."""
    current = store.live_by_id(session, entity_id, for_update=True)
    if current is None:
        raise NotFound(f"There is no entity {entity_id}.")
    partner.require_may_change(current)
    check_if_match(current, if_match, required=if_match_required)
    return current


def update_entity(db: Database, entity_id: int, fields: dict, partner: Partner, if_match: list[str] | None) -> dict:
    """Apply a partial change; an If-Match precondition is required."""

    def work(session: Session) -> dict:
        if fields.get("parent_id") is not None:
            parents.lock_graph(session)  # before any row lock, so two re-parentings cannot deadlock
        current = _lock_for_change(session, entity_id, partner, if_match, if_match_required=True)
        state = merged_state(editable_part(current), fields)
        if state == editable_part(current):
            return current
        validate(session, db, state, current=current, source=current["source"])
        [updated] = store.write(session, store.Plan(updates=[(current, state)]), actor=partner.name, now=utcnow())
        return updated

    return db.transact(work)


def retire_entity(db: Database, entity_id: int, partner: Partner, if_match: list[str] | None) -> None:
    """Retire an entity: it stays in history and the feed, and leaves lists and counts.

    Its live children, whoever owns them, are detached in the same transaction
    (a new version of each with ``parent_id`` null): no live entity keeps a
    retired parent, and no other partner's child can block the retire.
    """

    def work(session: Session) -> None:
        current = _lock_for_change(session, entity_id, partner, if_match, if_match_required=False)
        detached = parents.children_moved_to(session, entity_id, None)
        store.write(session, store.Plan(updates=detached, retires=[current]), actor=partner.name, now=utcnow())

    db.transact(work)


def entity_history(db: Database, entity_id: int, limit: int = 100, cursor: str | None = None) -> dict:
    """A page of an entity's versions, oldest first, with ``next_cursor`` (null on the last page).

    Raises NotFound for an entity that never existed, ValidationFailed for a cursor this API did not give.
    """
    after_seq = 0
    if cursor:
        after_seq = cursors.decode(cursor, keys={"seq": int})["seq"]
        if not 0 <= after_seq < 2**62:
            raise ValidationFailed({"cursor": ["is not a cursor this API gave out; use next_cursor as given"]})
    found = feed.history(db, entity_id, after_seq=after_seq, limit=limit + 1)
    if found is None:
        raise NotFound(f"There is no entity {entity_id}.")
    versions, newest = found
    more = len(versions) > limit
    versions = versions[:limit]
    return {
        "entity_id": entity_id,
        "retired": newest["op"] in ("retire", "merge"),
        "merged_into": newest["entity"].get("merged_into") if newest["op"] == "merge" else None,
        "versions": [{key: version[key] for key in ("version", "op", "at", "actor", "seq", "changes", "entity")} for version in versions],
        "next_cursor": cursors.encode({"seq": versions[-1]["seq"]}) if more else None,
    }
