"""Parent links: the one check every write of ``parent_id`` goes through.

The rules (docs/ARCHITECTURE.md, "Parent links"):

- A partner may set the parent of its own entities to any live entity, its own or
  another partner's: ``parent_id`` is a field of the child and belongs to the
  child's owner. The parent's owner is never restricted by it.
- A parent must be live, must not be the entity itself, and the link must not
  make a cycle, counting every other item of the same request.
- Retiring a parent detaches its live children (``parent_id`` becomes null, a new
  version of each child, recorded in history and the feed with the retiring
  partner as actor), in the same transaction. No live entity ever has a retired
  parent. A merge re-points the merged entity's children to the survivor
  (``children_moved_to``), or detaches a child where that would make a cycle.

Concurrency (PostgreSQL; SQLite's single writer already serialises writes): the
named parents are read ``FOR SHARE``, so a concurrent retire of the parent waits
for this transaction (and then detaches the new child) or this transaction waits
for the retire (and then sees no live parent). Writes that change an existing
entity's parent also hold a transaction-scoped advisory lock, taken before any
row lock, so two requests cannot each close half of a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.entities import store
from registry.entities.state import editable_part
from registry.tables import entities

# pg_advisory_xact_lock key for "the parent graph" (the bytes of "ecoparnt").
GRAPH_LOCK_KEY = int.from_bytes(b"ecoparnt", "big") & (2**63 - 1)
# A longer chain of parents than this is refused; it also bounds the walk.
MAX_DEPTH = 1000


def lock_graph(session: Session) -> None:
    """Serialise writes that move an existing entity under a new parent (PostgreSQL; no-op on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(GRAPH_LOCK_KEY)))


class ParentCheck:
    """Checks the parents of every entity one request writes, as one set.

    Build it with every ``parent_id`` the request names (before checking any
    item); it locks those that are live. Then, for each item in order,
    ``problems(state, current)`` says what is wrong with its parent, and
    ``accept(state, current)`` records an item that will be written, so later
    items are checked against it (X.parent = Y then Y.parent = X is a cycle).
    """

    def __init__(self, session: Session, parent_ids: Iterable[int | None], *, moves_existing: bool):
        """``moves_existing``: the request may change the parent of an entity that exists (PATCH, batch, merge)."""
        self.session = session
        wanted = {parent_id for parent_id in parent_ids if parent_id is not None}
        if moves_existing and wanted:
            lock_graph(session)
        self.live = store.lock_live_ids(session, wanted)
        self.planned: dict[int, int | None] = {}  # entity id -> its parent once this request is written

    def _parent_of(self, entity_id: int) -> int | None:
        if entity_id in self.planned:
            return self.planned[entity_id]
        return self.session.scalar(select(entities.c.parent_id).where(entities.c.id == entity_id))

    def descends_from(self, start_id: int, ancestor_id: int) -> bool:
        """Whether ``ancestor_id`` is ``start_id`` or one of its parents, as this request leaves them."""
        current: int | None = start_id
        seen: set[int] = set()
        while current is not None and current not in seen and len(seen) <= MAX_DEPTH:
            if current == ancestor_id:
                return True
            seen.add(current)
            current = self._parent_of(current)
        return current is not None  # a chain too long (or an old cycle) counts as one

    def problems(self, state: dict, current: dict | None) -> list[str]:
        """Why ``state``'s parent cannot be its parent; ``current`` is the stored entity, or None for a new one."""
        parent_id = state["parent_id"]
        if parent_id is None:
            return []
        unchanged = current is not None and parent_id == current["parent_id"] and current["id"] not in self.planned
        if unchanged:
            return []
        if current is not None and parent_id == current["id"]:
            return ["an entity cannot be its own parent"]
        if parent_id not in self.live:
            return [f"there is no live entity {parent_id}"]
        if current is not None and self.descends_from(parent_id, current["id"]):
            return [f"entity {parent_id} descends from entity {current['id']} (counting this request); that would make a cycle"]
        return []

    def accept(self, state: dict, current: dict | None) -> None:
        """Record that ``state`` will be written, so later items see its parent."""
        if current is not None:
            self.planned[current["id"]] = state["parent_id"]


def children_moved_to(session: Session, parent_id: int, new_parent_id: int | None) -> list[tuple[dict, dict]]:
    """(current, new editable state) for each live child of ``parent_id``, re-pointed to ``new_parent_id``.

    ``None`` detaches them (a retire); an id re-points them (a merge into that
    survivor), detaching instead any child the survivor descends from. The
    children are locked ``FOR UPDATE``; put the pairs in the same ``store.Plan``
    as the retire or merge.
    """
    children = store.live_children(session, parent_id)
    if not children:
        return []
    check = ParentCheck(session, [new_parent_id], moves_existing=True) if new_parent_id is not None else None
    moves = []
    for child in children:
        target = new_parent_id
        if check is not None and (target not in check.live or check.descends_from(target, child["id"])):
            target = None
        new = {**editable_part(child), "parent_id": target}
        if check is not None:
            check.accept(new, child)
        moves.append((child, new))
    return moves
