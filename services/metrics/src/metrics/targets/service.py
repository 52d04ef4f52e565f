"""Targets: what they measure, their current value, and how they are doing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from ecoreg_common import cursors
from ecoreg_common.db import Database
from ecoreg_common.errors import Conflict, NotFound, ValidationFailed
from ecoreg_common.formats import instant_text
from metrics.counts.as_of import AsOf
from metrics.counts.filters import unknown_values
from metrics.counts.links import count_filter, entities_link
from metrics.counts.service import count_in, grouped
from metrics.indicators.service import bump_revision, newest_of, observations_for
from metrics.tables import clusters, indicators, targets
from metrics.targets.attainment import Assessment, assess_cagr, assess_linear

# The smallest non-zero magnitude a target's numbers may have (see _check).
MIN_MAGNITUDE = 1e-9

FIELDS = (
    "title_en",
    "title_zh",
    "cluster",
    "measure",
    "filter",
    "indicator_key",
    "target_value",
    "target_max",
    "baseline_value",
    "baseline_date",
    "deadline",
    "unit",
    "direction",
    "note",
    "headline",
)


def _public(row) -> dict:
    target = {"key": row.key, **{name: getattr(row, name) for name in FIELDS}}
    for name in ("baseline_date", "deadline"):
        target[name] = target[name].isoformat() if target[name] else None
    target["updated_at"] = instant_text(row.updated_at)
    return target


class Inputs(Protocol):
    """What assessing a target reads: counts, an indicator's observations, whether it is retired.

    ``SessionInputs`` reads them with statements of a session, one by one;
    ``targets.as_of.RowInputs`` from the rows of one statement read beforehand.
    """

    def count(self, filters: dict) -> int:
        """How many entities ``filters`` selects (counts/service.py ``count_in``)."""

    def grouped(self, group_by: list[str], filters: dict) -> list[dict]:
        """The counts of ``filters`` by ``group_by`` (counts/service.py ``grouped``)."""

    def observations(self, key: str, scopes: list[str]) -> list[dict]:
        """Indicator ``key``'s observations in ``scopes``, oldest period first (``observations_for``)."""

    def retired(self, key: str) -> bool:
        """Whether indicator ``key`` is retired (False when there is none)."""


@dataclass(frozen=True)
class SessionInputs:
    """``Inputs`` read with ``session``: now, or ``as_of`` a past moment (the counts then, the
    reports recorded by then; retirement is today's, as the links are)."""

    session: Session
    as_of: AsOf | None = None

    def count(self, filters: dict) -> int:
        return count_in(self.session, filters, self.as_of)

    def grouped(self, group_by: list[str], filters: dict) -> list[dict]:
        return grouped(self.session, group_by, filters, self.as_of)

    def observations(self, key: str, scopes: list[str]) -> list[dict]:
        return observations_for(self.session, key, scopes, self.as_of.before if self.as_of else None)

    def retired(self, key: str) -> bool:
        return self.session.scalar(select(indicators.c.retired_at).where(indicators.c.key == key)) is not None


def current_value(inputs: Inputs, target) -> tuple[float | None, date | None, float | None, date | None, str | None]:
    """(current value, its date, base value, base date, observation scope) for a target row.

    A count's value is today's count (its date is filled in by the caller). An
    indicator's value is the latest report of its latest period, in the target's
    cluster or else Shanghai-wide; its base is the target's baseline or, when
    the target names none, the earliest observation (when there are two or more).
    ``inputs`` as of a past moment: counts then, and only the reports recorded by then.
    """
    if target.measure == "count":
        return float(inputs.count(target.filter)), None, target.baseline_value, target.baseline_date, None
    scopes = [target.cluster, ""] if target.cluster else [""]
    series = inputs.observations(target.indicator_key, scopes)
    latest = newest_of(series, scopes)
    baseline, baseline_date = target.baseline_value, target.baseline_date
    if baseline is None and len(series) >= 2:
        baseline, baseline_date = series[0]["value"], date.fromisoformat(series[0]["period_end"])
    if latest is None:
        return None, None, baseline, baseline_date, None
    return latest["value"], date.fromisoformat(latest["period_end"]), baseline, baseline_date, latest["cluster"]


def assessment_of(inputs: Inputs, row, today: date) -> tuple[Assessment, str | None]:
    """The target's assessment on ``today`` (Open SDG method 2 for indicators, the linear
    path for counts) and, for an indicator, the scope of the observation it used."""
    current, current_date, baseline, baseline_date, scope = current_value(inputs, row)
    if row.measure == "indicator":
        return assess_cagr(
            current=current,
            current_date=current_date,
            target=row.target_value,
            deadline=row.deadline,
            today=today,
            base=baseline,
            base_date=baseline_date,
            direction=row.direction,
        ), scope
    return assess_linear(
        current=current,
        target=row.target_value,
        deadline=row.deadline,
        today=today,
        base=baseline,
        base_date=baseline_date,
        direction=row.direction,
    ), None


def _links(inputs: Inputs, row, scope: str | None) -> dict:
    """Where the figure comes from: the registry list of a count's entities, an indicator's observations
    (of a retired indicator too: ``include_retired=true``, which its observations need once retired)."""
    if row.measure == "count":
        return {"entities": entities_link(count_filter(row.filter or {})), "observations": None}
    retired = inputs.retired(row.indicator_key)
    pairs = [*([("cluster", scope)] if scope else []), *([("include_retired", "true")] if retired else [])]
    query = "?" + "&".join(f"{name}={value}" for name, value in pairs) if pairs else ""
    return {"entities": None, "observations": f"/api/v1/indicators/{row.indicator_key}/observations{query}"}


def assessed(session: Session, row, today: date, as_of: AsOf | None = None) -> dict:
    """A target as served: its definition, its assessment with every input, and its links.

    ``as_of``: assessed on that moment's date, with the counts and reports of then
    (the target's definition is today's).
    """
    return assessed_with(SessionInputs(session, as_of), row, today, as_of)


def assessed_with(inputs: Inputs, row, today: date, as_of: AsOf | None = None) -> dict:
    """``assessed`` with its inputs from ``inputs`` (of the moment ``as_of``, when given)."""
    if as_of is not None:
        today = as_of.day
    assessment, scope = assessment_of(inputs, row, today)
    return {**_public(row), **assessment.as_dict(), **_links(inputs, row, scope)}


def all_assessed(session: Session, today: date, as_of: AsOf | None = None) -> list[dict]:
    inputs = SessionInputs(session, as_of)
    return [assessed_with(inputs, row, today, as_of) for row in session.execute(select(targets).order_by(targets.c.key))]


MAX_PAGE = 500


def list_targets(
    db: Database, today: date, cluster: str | None = None, as_of: AsOf | None = None, limit: int = 100, cursor: str | None = None
) -> dict:
    """A page of the targets (of ``cluster`` when given), by key, each assessed:
    ``{"targets": [...], "next_cursor": str | None}`` (null on the last page); ``limit`` 1-500.

    Raises ValidationFailed for a cursor this API did not give out (ecoreg_common.cursors).
    """
    limit = min(max(limit, 1), MAX_PAGE)
    query = select(targets).order_by(targets.c.key).limit(limit + 1)
    if cursor:
        query = query.where(targets.c.key > cursors.decode(cursor, keys={"key": str})["key"])
    if cluster is not None:
        query = query.where(targets.c.cluster == cluster)
    with db.read() as session:
        rows = session.execute(query).all()
        found = [assessed(session, row, today, as_of) for row in rows[:limit]]
    more = len(rows) > limit
    return {"targets": found, "next_cursor": cursors.encode({"key": found[-1]["key"]}) if more else None}


def page_of(assessed_targets: list[dict], cluster: str | None = None, limit: int = 100, cursor: str | None = None) -> dict:
    """``list_targets``' answer from targets already assessed (the live snapshot, summary/service.py):
    the page of those of ``cluster`` (all when None) after ``cursor``, by key, ``limit`` 1-500.

    Raises ValidationFailed for a cursor this API did not give out.
    """
    limit = min(max(limit, 1), MAX_PAGE)
    after = cursors.decode(cursor, keys={"key": str})["key"] if cursor else None
    chosen = [
        target
        for target in sorted(assessed_targets, key=lambda target: target["key"])
        if (cluster is None or target["cluster"] == cluster) and (after is None or target["key"] > after)
    ]
    found = chosen[:limit]
    return {"targets": found, "next_cursor": cursors.encode({"key": found[-1]["key"]}) if len(chosen) > limit else None}


def target_in(assessed_targets: list[dict], key: str) -> dict:
    """Target ``key`` among targets already assessed (the live snapshot, summary/service.py), as
    ``get_target`` answers it; NotFound when there is none."""
    for target in assessed_targets:
        if target["key"] == key:
            return target
    raise NotFound(f"There is no target {key!r}.")


def get_target(db: Database, key: str, today: date, as_of: AsOf | None = None) -> dict:
    with db.read() as session:
        row = session.execute(select(targets).where(targets.c.key == key)).first()
        if row is None:
            raise NotFound(f"There is no target {key!r}.")
        return assessed(session, row, today, as_of)


def _check(session: Session, values: dict) -> None:
    errors: dict[str, list[str]] = {}
    if values["measure"] == "indicator":
        if not values.get("indicator_key"):
            errors["indicator_key"] = ["an indicator target names its indicator"]
        else:
            indicator = session.execute(select(indicators).where(indicators.c.key == values["indicator_key"])).first()
            if indicator is None:
                errors["indicator_key"] = [f"there is no indicator {values['indicator_key']!r}; see GET /api/v1/indicators"]
            elif indicator.retired_at is not None:
                errors["indicator_key"] = [f"indicator {values['indicator_key']!r} is retired; define it again to use it"]
        if values.get("filter"):
            errors["filter"] = ["only a count target has a filter"]
    elif values.get("indicator_key"):
        errors["indicator_key"] = ["only an indicator target names an indicator"]
    if values.get("target_max") is not None and values["target_max"] < values["target_value"]:
        errors["target_max"] = ["the high end of a range cannot be below target_value"]
    for name in ("target_value", "target_max", "baseline_value"):
        value = values.get(name)
        if value is not None and value != 0 and abs(value) < MIN_MAGNITUDE:
            # Dividing by such a value overflows: the attainment would be infinite.
            errors[name] = [f"must be 0 or at least {MIN_MAGNITUDE:g} in magnitude (a smaller value makes the ratios infinite)"]
    if values.get("baseline_date") and values["baseline_date"] > values["deadline"]:
        errors["baseline_date"] = ["the baseline comes before the deadline"]
    if values.get("cluster") and session.scalar(select(clusters.c.key).where(clusters.c.key == values["cluster"])) is None:
        errors["cluster"] = [f"there is no cluster {values['cluster']!r}; see GET /api/v1/clusters"]
    errors.update(unknown_values(session, values.get("filter") or {}, prefix="filter."))
    if errors:
        raise ValidationFailed(errors)


def _values(data: dict) -> dict:
    values = {name: data.get(name) for name in FIELDS}
    values["filter"] = data.get("filter") or {}
    values["direction"] = data.get("direction") or "increase"
    values["updated_at"] = datetime.now(UTC)
    return values


def create_target(db: Database, data: dict, today: date) -> dict:
    def work(session: Session) -> dict:
        if session.scalar(select(targets.c.key).where(targets.c.key == data["key"])) is not None:
            raise Conflict(f"Target {data['key']!r} exists; PUT /api/v1/targets/{data['key']} replaces it.")
        values = _values(data)
        _check(session, values)
        session.execute(insert(targets).values(key=data["key"], **values))
        bump_revision(session)
        return assessed(session, session.execute(select(targets).where(targets.c.key == data["key"])).one(), today)

    return db.transact(work)


def put_target(db: Database, key: str, data: dict, today: date) -> tuple[dict, bool]:
    """Create or replace a target; the answer and whether it was created."""

    def work(session: Session) -> tuple[dict, bool]:
        values = _values(data)
        _check(session, values)
        exists = session.scalar(select(targets.c.key).where(targets.c.key == key).with_for_update()) is not None
        if exists:
            session.execute(update(targets).where(targets.c.key == key).values(**values))
        else:
            session.execute(insert(targets).values(key=key, **values))
        bump_revision(session)
        return assessed(session, session.execute(select(targets).where(targets.c.key == key)).one(), today), not exists

    return db.transact(work)


def delete_target(db: Database, key: str) -> None:
    def work(session: Session) -> None:
        if session.execute(delete(targets).where(targets.c.key == key)).rowcount == 0:
            raise NotFound(f"There is no target {key!r}.")
        bump_revision(session)

    db.transact(work)
