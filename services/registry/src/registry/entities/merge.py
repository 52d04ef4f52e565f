"""Merging a duplicate entity into the one that survives. No Flask in here.

A merge is one transaction through ``store.write``: the merged entity is retired
with ``merged_into`` set (one ``merge`` change in the feed, its snapshot saying
where it went), and its live children are re-pointed to the survivor (one
``update`` change each; ``parents.children_moved_to``, the rule of issue #12). The
merged entity keeps its history; reading it answers where it went; a later batch
item carrying its USCC or (same partner) external_id lands on the survivor.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ecoreg_common.db import Database
from ecoreg_common.errors import Conflict, NotFound
from registry.entities import parents, store
from registry.entities.service import check_if_match, utcnow
from registry.partner import Partner


def merge_entity(db: Database, entity_id: int, into: int, partner: Partner, if_match: list[str] | None, *, force: bool = False) -> dict:
    """Merge ``entity_id`` into ``into``: ``{"merged": final state with merged_into, "survivor": state}``.

    The partner must be allowed to change both (an admin, or the partner that owns both):
    403 otherwise. 404 when either is not live, 409 when they are the same entity or of
    different kinds (a lab is not a duplicate of an enterprise, however alike the names:
    the lead's decision for #13) unless ``force``, 412 when If-Match (optional, the merged
    entity's ETag) does not match.
    """
    if entity_id == into:
        raise Conflict("An entity cannot be merged into itself.")

    def work(session: Session) -> dict:
        # Lock both rows in id order, so two crossing merges cannot deadlock.
        locked = {}
        for wanted in sorted((entity_id, into)):
            state = store.live_by_id(session, wanted, for_update=True)
            if state is None:
                where = store.merged_into(session, wanted)
                hint = f"; it was merged into entity {where}" if where else ""
                raise NotFound(f"There is no live entity {wanted}{hint}.")
            locked[wanted] = state
        merged, survivor = locked[entity_id], locked[into]
        partner.require_may_change(merged)
        partner.require_may_change(survivor)
        check_if_match(merged, if_match, required=False)
        if merged["kind"] != survivor["kind"] and not force:
            raise Conflict(
                f"Entity {entity_id} is {_a(merged['kind'])} and entity {into} {_a(survivor['kind'])}: entities of different kinds "
                "are not merged (two organisations, however alike their names). Send force: true to merge them anyway."
            )
        moves = parents.children_moved_to(session, entity_id, into)
        # The survivor itself may be the merged entity's child: it then loses that parent.
        survivor_after = next((new for child, new in moves if child["id"] == into), None)
        written = store.write(session, store.Plan(updates=moves, merges=[(merged, into)]), actor=partner.name, now=utcnow())
        by_id = {state["id"]: state for state in written}
        if survivor_after is not None:
            survivor = by_id[into]
        return {"merged": by_id[entity_id], "survivor": survivor}

    return db.transact(work)


def _a(kind: str) -> str:
    """The kind with its article: ``'a lab'``, ``'an enterprise'``."""
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"


def resolve_aliases(
    session: Session, partner: str, codes: list[str], external_ids: list[str], by_code: dict, by_external_id: dict
) -> dict[int, set[tuple[str, str]]]:
    """Point the batch's unmatched identifiers that a merged entity held at its live survivor.

    Adds to ``by_code`` / ``by_external_id`` (identifier -> live state, locked FOR UPDATE)
    and returns survivor id -> the (field, value) pairs that reached it through a merge,
    for ``keep_survivor_keys``. Identifiers a live entity holds are never redirected.
    """
    missing_codes = sorted({code for code in codes if code not in by_code})
    missing_external = sorted({external_id for external_id in external_ids if external_id not in by_external_id})
    if not missing_codes and not missing_external:
        return {}
    aliases: dict[int, set[tuple[str, str]]] = {}
    survivors: dict[int, dict | None] = {}
    for merged, into in store.merged_matches(session, partner, missing_codes, missing_external):
        if into not in survivors:
            survivors[into] = store.live_by_id(session, into, for_update=True)
        survivor = survivors[into]
        if survivor is None:
            continue
        if merged["uscc"] in missing_codes and merged["uscc"] not in by_code:
            by_code[merged["uscc"]] = survivor
            aliases.setdefault(into, set()).add(("uscc", merged["uscc"]))
        if merged["source"] == partner and merged["external_id"] in missing_external and merged["external_id"] not in by_external_id:
            by_external_id[merged["external_id"]] = survivor
            aliases.setdefault(into, set()).add(("external_id", merged["external_id"]))
    return aliases


def merged_keys(fields: dict, current: dict, aliases: dict[int, set[tuple[str, str]]]) -> list[str]:
    """Which of ``fields``' identifiers (``uscc``, ``external_id``) reached ``current`` through a merge."""
    reached = aliases.get(current["id"], set())
    return [key for key in ("uscc", "external_id") if fields.get(key) and (key, fields[key]) in reached]


def keep_survivor_keys(fields: dict, current: dict | None, aliases: dict[int, set[tuple[str, str]]]) -> dict:
    """``fields`` without the merged entity's uscc / external_id when they led to a survivor
    that has its own: the survivor keeps its identifiers (and takes them where it has none)."""
    if current is None or current["id"] not in aliases:
        return fields
    reached = aliases[current["id"]]
    dropped = {key for key in ("uscc", "external_id") if (key, fields.get(key)) in reached and current.get(key)}
    return {key: value for key, value in fields.items() if key not in dropped}
