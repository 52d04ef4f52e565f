"""Counts of entities by any combination of dimensions, read from the counter cells.

An answer sums cells, never scans entities, so it takes the same time with
1,000 entities or 100,000: the number of cells is bounded by the vocabularies.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ecoreg_common.db import Database
from ecoreg_common.errors import ValidationFailed
from metrics.counts.as_of import LINKS_AS_OF, AsOf, group_cells
from metrics.counts.filters import unknown_values
from metrics.counts.links import ANY_STATUS, DEFAULT_STATUSES, traced
from metrics.readmodel import store
from metrics.tables import CELL_DIMENSIONS, count_cells

# A question may group by and filter on every dimension of the counter cells.
GROUPABLE = FILTERABLE = CELL_DIMENSIONS
# DEFAULT_STATUSES (what "how many" means when a question names no status) and
# ANY_STATUS (every status) live in links.py, which the links and the counts share.
# The statuses themselves are the registry's vocabulary (GET /api/v1/vocabulary);
# an unknown one is refused (counts/filters.py).
# Dimensions where "" in a cell means "none".
_OPTIONAL = ("subtype", "district")


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def cell_query(group_by: list[str], filters: dict, *, table=count_cells) -> Select:
    """SUM(count) of the cells a question needs, grouped as asked (works on snapshots too)."""
    cluster_family = "cluster" in group_by or bool(filters.get("cluster"))
    track_family = "track" in group_by or bool(filters.get("track"))
    query = select(*(table.c[name] for name in group_by), func.sum(table.c["count"]).label("count"))
    query = query.where(table.c.cluster != "" if cluster_family else table.c.cluster == "")
    query = query.where(table.c.track != "" if track_family else table.c.track == "")
    for name in FILTERABLE:
        if name == "status":
            continue
        values = _as_list(filters.get(name))
        if values:
            query = query.where(table.c[name].in_(values))
    statuses = _as_list(filters.get("status")) or list(DEFAULT_STATUSES)
    if statuses != [ANY_STATUS]:
        query = query.where(table.c.status.in_(statuses))
    if group_by:
        query = query.group_by(*(table.c[name] for name in group_by)).order_by(*(table.c[name] for name in group_by))
    return query.having(func.sum(table.c["count"]) > 0) if group_by else query


def count_in(session: Session, filters: dict, as_of: AsOf | None = None) -> int:
    """How many entities ``filters`` selects, now or ``as_of`` a past moment."""
    if as_of is not None:
        return grouped(session, [], filters, as_of)[0]["count"]
    return int(session.execute(cell_query([], filters)).scalar() or 0)


def grouped(session: Session, group_by: list[str], filters: dict, as_of: AsOf | None = None) -> list[dict]:
    """One dict per group; without ``group_by`` the query has one row, the total (0 when empty).

    Live answers sum the counter cells in SQL; ``as_of`` answers sum the cells rebuilt
    from the entity versions valid then (counts/as_of.py), with the same rules.
    """
    if as_of is not None:
        cells = as_of.cells(session, store.track_clusters(session))
        rows = [
            (dict(zip(group_by, values, strict=True)), count) for values, count in group_cells(cells, group_by, filters, DEFAULT_STATUSES)
        ]
    else:
        rows = [({name: getattr(row, name) for name in group_by}, row.count) for row in session.execute(cell_query(group_by, filters))]
    groups = []
    for values, count in rows:
        group = {name: (values[name] or None) if name in _OPTIONAL else values[name] for name in group_by}
        group["count"] = int(count or 0)
        groups.append(group)
    return groups


def counts(db: Database, group_by: list[str], filters: dict, as_of: AsOf | None = None) -> dict:
    """The grouped counts, each with its filter and the registry list of its entities (counts/links.py).

    With ``as_of`` the answer is as of that moment and says so (``as_of``); its
    links list today's entities with those filters (the registry lists the present).
    """
    with db.read() as session:
        unknown = unknown_values(session, filters)
        if unknown:
            raise ValidationFailed(unknown)
        seq = store.read_state(session).checkpoint
        groups = grouped(session, group_by, filters, as_of)
    for group in groups:
        dims = {name: group[name] for name in group_by}
        group.update(traced(group["count"], filters, dims))
    answer = {"as_of_seq": seq, "group_by": group_by, "groups": groups}
    if as_of is not None:
        answer["as_of"] = as_of.text
        answer["links_as_of"] = LINKS_AS_OF
    return answer
