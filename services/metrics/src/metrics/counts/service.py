"""Counts of entities by any combination of dimensions, read from the counter cells.

An answer sums cells, never scans entities, so it takes the same time with
1,000 entities or 100,000: the number of cells is bounded by the vocabularies.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ecoreg_common.db import Database
from ecoreg_common.errors import ValidationFailed
from metrics.answers import Answered, read, state_of, with_state
from metrics.counts.as_of import LINKS_AS_OF, AsOf, group_cells
from metrics.counts.filters import known_flags, unknown_from
from metrics.counts.links import ANY_STATUS, DEFAULT_STATUSES, traced
from metrics.readmodel import store
from metrics.readmodel.keyframes import cells_from, cells_query
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
        return grouped_in(as_of.cells(session, store.track_clusters(session)), group_by, filters)
    return _shaped(
        group_by, [({name: getattr(row, name) for name in group_by}, row.count) for row in session.execute(cell_query(group_by, filters))]
    )


def grouped_in(cells, group_by: list[str], filters: dict) -> list[dict]:
    """``grouped`` from counter cells in memory (cell key -> count: an ``as_of`` answer's cells)."""
    found = group_cells(cells, group_by, filters, DEFAULT_STATUSES)
    return _shaped(group_by, [(dict(zip(group_by, values, strict=True)), count) for values, count in found])


def _shaped(group_by: list[str], rows: list[tuple[dict, int | None]]) -> list[dict]:
    """The group dicts from (values by dimension, count): none for no subtype or district, counts as ints."""
    groups = []
    for values, count in rows:
        group = {name: (values[name] or None) if name in _OPTIONAL else values[name] for name in group_by}
        group["count"] = int(count or 0)
        groups.append(group)
    return groups


def counts(db: Database, group_by: list[str], filters: dict, as_of: AsOf | None = None) -> Answered[dict]:
    """The grouped counts, each with its filter and the registry list of its entities (counts/links.py):
    ``{"as_of_seq": int, "group_by": [...], "groups": [{<dimension>: str | None, ..., "count": int,
    "filter": {...}, "entities": str}, ...]}``, read in ONE statement (metrics.answers) with the
    checks of the filter's values: live, the summed cells; ``as_of``, the rows the cells then
    are made of (readmodel/keyframes.py ``cells_query``).

    With ``as_of`` the answer is as of that moment and says so (``as_of``, ``links_as_of``); its
    links list today's entities with those filters (the registry lists the present). The
    answer raises ValidationFailed for a filter value that does not exist (counts/filters.py).
    """
    flags = known_flags(filters)
    if as_of is None:
        statement = with_state(cell_query(group_by, filters), columns=flags, order_by=group_by)
    else:
        statement = with_state(cells_query(as_of.before, with_tracks=True), columns=flags)

    def build(rows: list) -> Callable[[], dict]:
        return lambda: _answer(rows, group_by, filters, as_of)

    return read(db, statement, build)


def _answer(rows: list, group_by: list[str], filters: dict, as_of: AsOf | None) -> dict:
    unknown = unknown_from(rows[0], filters)
    if unknown:
        raise ValidationFailed(unknown)
    if as_of is not None:
        groups = grouped_in(cells_from(rows), group_by, filters)
    else:
        # Without group_by the sum is one row (null when no cell matches: 0); with it, a
        # statement finding no group still has its one row of state, with null counts.
        found = [row for row in rows if not group_by or row.count is not None]
        groups = _shaped(group_by, [({name: getattr(row, name) for name in group_by}, row.count) for row in found])
    for group in groups:
        dims = {name: group[name] for name in group_by}
        group.update(traced(group["count"], filters, dims))
    answer = {"as_of_seq": state_of(rows[0]).checkpoint, "group_by": group_by, "groups": groups}
    if as_of is not None:
        answer["as_of"] = as_of.text
        answer["links_as_of"] = LINKS_AS_OF
    return answer
