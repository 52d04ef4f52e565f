"""Targets as of a past moment, every input of every target read in ONE statement.

Assessing a target as of T needs the counter cells then (the nearest keyframe and
the versions since, readmodel/keyframes.py ``cells_query``), the reports of its
indicator recorded before T, and whether that indicator is retired. Read target by
target, that was two to four statements each. Here one UNION ALL
(``metrics.answers.in_parts``) holds them all, with the follower state and the
revision the ETag depends on (``metrics.answers.with_state``):

- the parts of ``cells_query`` (``version``, ``keyframe``, ``track``), as the counts read them;
- ``target``: each target answered (``target_`` + its columns, ``target_rank``: its place by key);
- ``report``: each report recorded before T of their indicators, any scope (``report_`` + its columns);
- ``indicator``: each of their indicators' key and retirement (``indicator_key``, ``indicator_retired_at``).

The targets are then assessed in Python by the functions the live answers use
(targets/service.py ``assessed_with``), with ``RowInputs`` giving what a session
would have read: the same answer, byte for byte.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from types import SimpleNamespace

from sqlalchemy import CTE, Integer, Select, func, literal_column, select

from ecoreg_common import cursors
from ecoreg_common.db import Database
from ecoreg_common.errors import NotFound, ValidationFailed
from metrics.answers import Answered, in_parts, read, with_state
from metrics.counts.as_of import AsOf
from metrics.counts.service import grouped_in
from metrics.indicators.service import as_they_stood
from metrics.readmodel.facts import CellKey
from metrics.readmodel.keyframes import cells_from, cells_query
from metrics.tables import indicators, observation_reports, targets
from metrics.targets.service import MAX_PAGE, assessed_with

_REPORTED = ("id", "indicator_key", "period", "scope", "value", "source", "recorded_at")
# The columns of a target row.
_TARGET = tuple(column.key for column in targets.c)


def chosen_targets(query: Select) -> CTE:
    """The targets an answer assesses, from ``query`` (a select of ``targets``, filtered, ordered,
    limited), with ``rank``: their place by key (the database's order, which a cursor follows)."""
    return query.add_columns(func.row_number(type_=Integer).over(order_by=targets.c.key).label("rank")).cte("chosen")


def target_parts(before, chosen: CTE) -> list[Select]:
    """The parts of the module's statement for the targets ``chosen`` as of ``before`` (aware, exclusive)."""
    cells = cells_query(before, with_tracks=True).subquery("cells")
    named = select(chosen.c.indicator_key).where(chosen.c.indicator_key.is_not(None))
    return [
        select(*cells.c),
        select(
            literal_column("'target'").label("part"),
            *(chosen.c[name].label(f"target_{name}") for name in _TARGET),
            chosen.c.rank.label("target_rank"),
        ),
        select(
            literal_column("'report'").label("part"), *(observation_reports.c[name].label(f"report_{name}") for name in _REPORTED)
        ).where(observation_reports.c.recorded_at < before, observation_reports.c.indicator_key.in_(named)),
        select(
            literal_column("'indicator'").label("part"),
            indicators.c.key.label("indicator_key"),
            indicators.c.retired_at.label("indicator_retired_at"),
        ).where(indicators.c.key.in_(named)),
    ]


class RowInputs:
    """``targets.service.Inputs`` from the rows of a statement holding ``target_parts``: the
    counts of the cells then, the observations as the reports recorded by then make them,
    retirement as it is now (what ``SessionInputs`` reads with ``as_of``)."""

    def __init__(self, rows: list) -> None:
        self.cells: Counter[CellKey] = cells_from(rows)
        self.reports: dict[str, list] = {}
        reported = sorted((row for row in rows if row.part == "report"), key=lambda row: row.report_id)
        for row in reported:
            report = SimpleNamespace(**{name: getattr(row, f"report_{name}") for name in _REPORTED})
            self.reports.setdefault(report.indicator_key, []).append(report)
        self.retired_at = {row.indicator_key: row.indicator_retired_at for row in rows if row.part == "indicator"}

    def count(self, filters: dict) -> int:
        return grouped_in(self.cells, [], filters)[0]["count"]

    def grouped(self, group_by: list[str], filters: dict) -> list[dict]:
        return grouped_in(self.cells, group_by, filters)

    def observations(self, key: str, scopes: list[str]) -> list[dict]:
        return as_they_stood(key, (report for report in self.reports.get(key, ()) if report.scope in scopes))

    def retired(self, key: str) -> bool:
        return self.retired_at.get(key) is not None


def targets_of(rows: Iterable) -> list[SimpleNamespace]:
    """The ``target`` rows as rows of ``targets`` (its column names), by key."""
    found = sorted((row for row in rows if row.part == "target"), key=lambda row: row.target_rank)
    return [SimpleNamespace(**{name: getattr(row, f"target_{name}") for name in _TARGET}) for row in found]


def _statement(as_of: AsOf, query: Select) -> Select:
    return with_state(in_parts(*target_parts(as_of.before, chosen_targets(query))))


def target_as_of(db: Database, key: str, today: date, as_of: AsOf) -> Answered[dict]:
    """Target ``key`` as of ``as_of``, as ``targets.service.get_target`` assesses it, read in ONE
    statement. The answer raises NotFound when there is no such target."""

    def build(rows: list) -> Callable[[], dict]:
        def answer() -> dict:
            found = targets_of(rows)
            if not found:
                raise NotFound(f"There is no target {key!r}.")
            return assessed_with(RowInputs(rows), found[0], today, as_of)

        return answer

    return read(db, _statement(as_of, select(targets).where(targets.c.key == key)), build)


def list_as_of(db: Database, today: date, cluster: str | None, as_of: AsOf, limit: int = 100, cursor: str | None = None) -> Answered[dict]:
    """``targets.service.list_targets`` as of ``as_of`` in ONE statement: ``{"targets": [...],
    "next_cursor": str | None}``, the page of the targets (of ``cluster`` when given) after
    ``cursor`` by key, ``limit`` 1-500, each assessed.

    A cursor this API did not give out makes the answer raise ValidationFailed: after the
    ETag is checked, as before (the statement then reads the first page, unused).
    """
    limit = min(max(limit, 1), MAX_PAGE)
    query = select(targets).order_by(targets.c.key).limit(limit + 1)
    refused: ValidationFailed | None = None
    if cursor:
        try:
            query = query.where(targets.c.key > cursors.decode(cursor, keys={"key": str})["key"])
        except ValidationFailed as error:
            refused = error
    if cluster is not None:
        query = query.where(targets.c.cluster == cluster)

    def build(rows: list) -> Callable[[], dict]:
        def answer() -> dict:
            if refused is not None:
                raise refused
            chosen, inputs = targets_of(rows), RowInputs(rows)
            found = [assessed_with(inputs, row, today, as_of) for row in chosen[:limit]]
            more = len(chosen) > limit
            return {"targets": found, "next_cursor": cursors.encode({"key": found[-1]["key"]}) if more else None}

        return answer

    return read(db, _statement(as_of, query), build)
