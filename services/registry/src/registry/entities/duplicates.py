"""The likely-duplicates report: pairs of live entities that seem to be one organisation.

Two live entities are a likely pair when one of their core names (``registry.names.core``:
the name without legal form and Shanghai place markers) is the same and their USCCs do
not contradict each other (two different codes are two legal persons, never duplicates).
Each pair is scored by the matcher's function (``matching.score``), best first within a
name. Pages run in the order of the shared core name (a keyset cursor), so the report
costs one grouped, indexed scan per page. Names a typo apart are not paired here: the
match endpoint finds those for a given record.
"""

from __future__ import annotations

from itertools import combinations

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import Session

from ecoreg_common import cursors
from ecoreg_common.db import Database
from ecoreg_common.errors import Forbidden, ValidationFailed
from registry.entities import matching, store
from registry.partner import Partner
from registry.tables import entities


def _shared_cores(session: Session, after: str | None, limit: int) -> list[str]:
    """Core names held by two or more live entities, in order, after ``after``."""
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
    return list(session.scalars(query.order_by(forms.c.core).limit(limit)))


def _pairs(session: Session, core: str) -> list[dict]:
    holders = store.states_from(
        session,
        select(entities)
        .where(entities.c.retired_at.is_(None), or_(entities.c.name_core == core, entities.c.name_zh_core == core))
        .order_by(entities.c.id),
    )
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
    items: list[dict] = []
    with db.read() as session:
        names = _shared_cores(session, after, limit + 1)
        shown = 0
        # Whole names per page: a name's pairs are never split across pages.
        for name in names[:limit]:
            items.extend(_pairs(session, name))
            shown += 1
            if len(items) >= limit:
                break
    more = shown < len(names)
    return {"items": items, "next_cursor": cursors.encode({"name": names[shown - 1]}) if more else None}
