"""The likely-duplicates report: pairs of live entities that seem to be one organisation.

Two live entities are a likely pair when one of their core names (``registry.names.core``:
the name without legal form and Shanghai place markers) is the same and their USCCs do
not contradict each other (two different codes are two legal persons, never duplicates).
Each pair is scored by the matcher's function (``matching.score``), best first within a
name. Pages run in the order of the shared core name (a keyset cursor), so the report
costs one statement per page: a grouped, indexed scan joined to the names' holders. Names a typo apart are not paired here: the
match endpoint finds those for a given record.
"""

from __future__ import annotations

from itertools import combinations

from sqlalchemy import Select, and_, func, or_, select, union_all

from ecoreg_common import cursors
from ecoreg_common.db import Database
from ecoreg_common.errors import Forbidden, ValidationFailed
from registry.entities import matching, store
from registry.partner import Partner
from registry.tables import entities


def _shared_cores(after: str | None, limit: int):
    """Core names held by two or more live entities, in order, after ``after``: the first ``limit``,
    as a subquery with one column, ``core``."""
    live = entities.c.retired_at.is_(None)
    forms = union_all(
        select(entities.c.name_core.label("core"), entities.c.id).where(live, entities.c.name_core.is_not(None)),
        select(entities.c.name_zh_core.label("core"), entities.c.id).where(
            live, entities.c.name_zh_core.is_not(None), entities.c.name_zh_core != func.coalesce(entities.c.name_core, "")
        ),
    ).subquery()
    query = select(forms.c.core).group_by(forms.c.core).having(func.count(func.distinct(forms.c.id)) > 1)
    if after is not None:
        query = query.where(forms.c.core > after)
    return query.order_by(forms.c.core).limit(limit).subquery("shared")


def _holders(after: str | None, limit: int) -> Select:
    """One statement: each of the next ``limit`` shared core names (``_shared_cores``) beside every
    live entity holding it, by name then entity id (the name first, then the entity's columns)."""
    shared = _shared_cores(after, limit)
    holds = or_(entities.c.name_core == shared.c.core, entities.c.name_zh_core == shared.c.core)
    return (
        select(shared.c.core, entities)
        .select_from(shared.join(entities, and_(entities.c.retired_at.is_(None), holds)))
        .order_by(shared.c.core, entities.c.id)
    )


def _pairs(core: str, holders: list[dict]) -> list[dict]:
    """The likely pairs among the live entities holding ``core`` (in id order), best first."""
    pairs = []
    for a, b in combinations(holders, 2):
        if a["uscc"] and b["uscc"] and a["uscc"] != b["uscc"]:
            continue
        score, reasons = matching.score(matching.record_from(a), b, partner=None)
        pairs.append({"a": a, "b": b, "score": score, "reasons": reasons, "name": core})
    pairs.sort(key=lambda pair: (-pair["score"], pair["a"]["id"], pair["b"]["id"]))
    return pairs


def likely_duplicates(db: Database, partner: Partner, limit: int, cursor: str | None) -> dict:
    """``{"items": [{"a", "b", "score", "reasons", "name"}], "next_cursor"}``: pairs of likely
    duplicates among live entities, grouped by the core name they share (admin only: 403)."""
    if not partner.admin:
        raise Forbidden("The duplicates report is for administrators.")
    after = None
    if cursor:
        after = cursors.decode(cursor, keys={"name": str})["name"]
        if not after:
            raise ValidationFailed({"cursor": ["is not a cursor this API gave out; use next_cursor as given"]})
    holders: dict[str, list[dict]] = {}
    for row in db.query(lambda session: session.execute(_holders(after, limit + 1)).all()):
        holders.setdefault(row.core, []).append(store.state_of(row))
    names = list(holders)  # in order of the name, as the statement gave them
    items: list[dict] = []
    shown = 0
    # Whole names per page: a name's pairs are never split across pages.
    for name in names[:limit]:
        items.extend(_pairs(name, holders[name]))
        shown += 1
        if len(items) >= limit:
            break
    more = shown < len(names)
    return {"items": items, "next_cursor": cursors.encode({"name": names[shown - 1]}) if more else None}
