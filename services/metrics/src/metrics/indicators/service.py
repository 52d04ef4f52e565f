"""Indicators and their reported observations (output value, vehicles in use, ...)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from types import SimpleNamespace

from sqlalchemy import and_, func, insert, select, true, tuple_, update
from sqlalchemy.orm import Session

from ecoreg_common import cursors
from ecoreg_common.db import Database, upsert
from ecoreg_common.errors import NotFound, ValidationFailed
from ecoreg_common.formats import instant_text
from metrics.answers import Answered, read, with_state
from metrics.tables import clusters, indicators, observation_reports, observations, revision

# ASCII digits only: \d would also match full-width digits (U+FF10-FF19) and other scripts' digits.
_YEAR = re.compile(r"^[0-9]{4}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def canonical_period(period: str) -> str:
    """The one spelling of a period: a date on 31 December is its year (``2026-12-31`` -> ``2026``).

    Both name the same period (one ending on that day), so they are stored as one
    and a later report of either replaces the earlier as the latest.
    """
    end = period_end(period)
    return str(end.year) if (end.month, end.day) == (12, 31) else end.isoformat()


def period_end(period: str) -> date:
    """The last day a period covers: a year ("2025") or a date ("2025-06-30")."""
    try:
        if _YEAR.match(period):
            end = date(int(period), 12, 31)
        elif _DATE.match(period):
            end = date.fromisoformat(period)
        else:
            raise ValueError(period)
    except ValueError:
        raise ValidationFailed({"period": ["must be a year (2025) or a date (2025-06-30)"]}) from None
    if not 1900 <= end.year <= 2100:
        raise ValidationFailed({"period": ["must lie between 1900 and 2100"]})
    return end


def bump_revision(session: Session) -> None:
    session.execute(update(revision).where(revision.c.id == 1).values(value=revision.c.value + 1))


def _reports(session: Session, key: str, period: str, scope: str) -> list[dict]:
    query = (
        select(observation_reports)
        .where(observation_reports.c.indicator_key == key, observation_reports.c.period == period, observation_reports.c.scope == scope)
        .order_by(observation_reports.c.id)
    )
    return [{"value": r.value, "source": r.source, "recorded_at": instant_text(r.recorded_at)} for r in session.execute(query)]


def _public(row) -> dict:
    return {
        "indicator": row.indicator_key,
        "period": row.period,
        "period_end": row.period_end.isoformat(),
        "cluster": row.scope or None,
        "value": row.value,
        "source": row.source,
        "recorded_at": instant_text(row.recorded_at),
    }


def _reported_before(session: Session, key: str, scopes: list[str] | None, before: datetime) -> list[dict]:
    """Each period's latest report recorded before ``before`` (the observations as they stood then)."""
    query = select(observation_reports).where(observation_reports.c.indicator_key == key, observation_reports.c.recorded_at < before)
    if scopes is not None:
        query = query.where(observation_reports.c.scope.in_(scopes))
    return as_they_stood(key, session.execute(query.order_by(observation_reports.c.id)))


def as_they_stood(key: str, reports: Iterable) -> list[dict]:
    """Indicator ``key``'s observations made of ``reports`` (rows with period, scope, value, source,
    recorded_at; oldest report first): each period and scope's latest report, as an observation
    (``_public``'s shape), oldest period first, then by scope ("" first). Pure."""
    latest: dict[tuple[str, str], object] = {}
    for row in reports:
        latest[(row.period, row.scope)] = row
    found = [
        {
            "indicator": key,
            "period": row.period,
            "period_end": period_end(row.period).isoformat(),
            "cluster": row.scope or None,
            "value": row.value,
            "source": row.source,
            "recorded_at": instant_text(row.recorded_at),
        }
        for row in latest.values()
    ]
    return sorted(found, key=lambda o: (o["period_end"], o["cluster"] or ""))


def observations_for(session: Session, key: str, scopes: list[str] | None = None, before: datetime | None = None) -> list[dict]:
    """Observations oldest period first; with ``before``, as they stood then (from the reports)."""
    if before is not None:
        return _reported_before(session, key, scopes, before)
    query = select(observations).where(observations.c.indicator_key == key)
    if scopes is not None:
        query = query.where(observations.c.scope.in_(scopes))
    return [_public(row) for row in session.execute(query.order_by(observations.c.period_end, observations.c.scope))]


def latest_observation(session: Session, key: str, scopes: list[str] | None, before: datetime | None = None) -> dict | None:
    """The newest observation in any of ``scopes`` (any scope for None); on the same period the first scope named wins."""
    return newest_of(observations_for(session, key, scopes, before), scopes)


def newest_of(found: list[dict], scopes: list[str] | None) -> dict | None:
    """``latest_observation``'s pick among observations ``found`` (oldest period first, as
    ``observations_for`` gives them): None when there are none. Pure."""
    if not found:
        return None
    newest = max(row["period_end"] for row in found)
    candidates = [row for row in found if row["period_end"] == newest]
    if scopes is None:
        return candidates[0]
    return min(candidates, key=lambda row: scopes.index(row["cluster"] or ""))


def _indicator(session: Session, key: str):
    row = session.execute(select(indicators).where(indicators.c.key == key)).first()
    if row is None:
        raise NotFound(f"There is no indicator {key!r}; see GET /api/v1/indicators.")
    return row


def _indicator_public(session: Session, r) -> dict:
    return {
        "key": r.key,
        "title_en": r.title_en,
        "title_zh": r.title_zh,
        "unit": r.unit,
        "frequency": r.frequency,
        "retired_at": instant_text(r.retired_at) if r.retired_at else None,
        "latest": latest_observation(session, r.key, None),
    }


# The columns of an observation a list shows (with its indicator's key).
_OBSERVED = ("period", "period_end", "scope", "value", "source", "recorded_at")


def _latest_each():
    """Each indicator's newest observation, any scope (``latest_observation`` with no scopes):
    the latest period_end, and on the same one the first scope by key ("" first)."""
    newest_first = (observations.c.period_end.desc(), observations.c.scope)
    rank = func.row_number().over(partition_by=observations.c.indicator_key, order_by=newest_first)
    return select(observations, rank.label("rank")).subquery("ranked")


def list_indicators(db: Database, include_retired: bool = False) -> Answered[dict]:
    """Every indicator (retired ones only when asked), by key, with its newest value, in ONE statement
    (metrics.answers): ``{"indicators": [{"key", "title_en", "title_zh", "unit", "frequency",
    "retired_at": str | None, "latest": observation | None}, ...]}``."""
    latest = _latest_each()
    query = select(indicators, *(latest.c[name].label(f"latest_{name}") for name in _OBSERVED)).select_from(
        indicators.outerjoin(latest, and_(latest.c.indicator_key == indicators.c.key, latest.c.rank == 1))
    )
    if not include_retired:
        query = query.where(indicators.c.retired_at.is_(None))

    def build(rows: list) -> Callable[[], dict]:
        return lambda: {"indicators": [_listed(row) for row in rows if row.key is not None]}

    return read(db, with_state(query, order_by=["key"]), build)


def _listed(row) -> dict:
    latest = None
    if row.latest_period is not None:
        latest = _public(SimpleNamespace(indicator_key=row.key, **{name: getattr(row, f"latest_{name}") for name in _OBSERVED}))
    return {
        "key": row.key,
        "title_en": row.title_en,
        "title_zh": row.title_zh,
        "unit": row.unit,
        "frequency": row.frequency,
        "retired_at": instant_text(row.retired_at) if row.retired_at else None,
        "latest": latest,
    }


def put_indicator(db: Database, key: str, data: dict) -> tuple[dict, bool]:
    """Define (or redefine) an indicator: titles, unit, frequency. Redefining a retired one brings it back.

    Returns the indicator and whether it is new. Admins only (the gateway's route table).
    """

    def work(session: Session) -> tuple[dict, bool]:
        values = {name: data[name] for name in ("title_en", "title_zh", "unit", "frequency")}
        exists = session.execute(select(indicators.c.key).where(indicators.c.key == key).with_for_update()).first() is not None
        if exists:
            session.execute(update(indicators).where(indicators.c.key == key).values(**values, retired_at=None))
        else:
            session.execute(insert(indicators).values(key=key, **values))
        bump_revision(session)
        return _indicator_public(session, _indicator(session, key)), not exists

    return db.transact(work)


def retire_indicator(db: Database, key: str) -> None:
    """Retire an indicator: its observations and the targets on it stay; no new target may name it."""

    def work(session: Session) -> None:
        row = _indicator(session, key)
        if row.retired_at is None:
            session.execute(update(indicators).where(indicators.c.key == key).values(retired_at=datetime.now(UTC)))
            bump_revision(session)

    db.transact(work)


MAX_PAGE = 500


def list_observations(
    db: Database, key: str, cluster: str | None, limit: int = 100, cursor: str | None = None, include_retired: bool = False
) -> Answered[dict]:
    """A page of one indicator's observations (of ``cluster`` when given), oldest period first, each with its reports:
    ``{"indicator": str, "unit": str, "observations": [...], "next_cursor": str | None}`` (null on the last page);
    ``limit`` 1-500. Pages go by (period_end, scope, period), the primary key plus the order, a total order:
    no observation is skipped or repeated across pages (one reported meanwhile shows up only if it sorts later).

    Read in ONE statement (metrics.answers): the indicator, the page (and one observation more, to
    know whether there is a next page), every report of each, oldest first. The answer raises
    NotFound for an unknown indicator, and for a retired one unless ``include_retired`` (a DELETE
    retires it: gone from the API as RFC 9110 says, kept for the targets that trace to it);
    ``list_observations`` itself ValidationFailed for a cursor this API did not give out (ecoreg_common.cursors).
    """
    limit = min(max(limit, 1), MAX_PAGE)
    order = (observations.c.period_end, observations.c.scope, observations.c.period)
    page = select(observations).where(observations.c.indicator_key == key)
    if cluster is not None:
        page = page.where(observations.c.scope == cluster)
    if cursor:
        after = _observation_position(cursor)
        page = page.where(tuple_(*order) > tuple_(after["period_end"], after["scope"], after["period"]))
    page = page.order_by(*order).limit(limit + 1).subquery("page")
    reports = observation_reports
    query = (
        select(
            indicators.c.key,
            indicators.c.unit,
            indicators.c.retired_at,
            *(page.c[name] for name in _OBSERVED),
            reports.c.id.label("report_id"),
            reports.c.value.label("report_value"),
            reports.c.source.label("report_source"),
            reports.c.recorded_at.label("report_recorded_at"),
        )
        .select_from(
            indicators.outerjoin(page, true()).outerjoin(
                reports, and_(reports.c.indicator_key == key, reports.c.period == page.c.period, reports.c.scope == page.c.scope)
            )
        )
        .where(indicators.c.key == key)
    )
    statement = with_state(query, order_by=["period_end", "scope", "period", "report_id"])

    def build(rows: list) -> Callable[[], dict]:
        return lambda: _observation_page(rows, key, limit, include_retired)

    return read(db, statement, build)


def _observation_page(rows: list, key: str, limit: int, include_retired: bool) -> dict:
    indicator = rows[0]
    if indicator.key is None:
        raise NotFound(f"There is no indicator {key!r}; see GET /api/v1/indicators.")
    if indicator.retired_at is not None and not include_retired:
        raise NotFound(
            f"Indicator {key!r} was retired at {instant_text(indicator.retired_at)}; its observations are kept: "
            "ask with include_retired=true."
        )
    by_position: dict[tuple, dict] = {}
    for row in rows:
        if row.period is None:
            continue  # the indicator has none (on this page)
        position = (row.period_end, row.scope, row.period)
        if position not in by_position:
            observed = SimpleNamespace(indicator_key=key, **{name: getattr(row, name) for name in _OBSERVED})
            by_position[position] = {**_public(observed), "reports": []}
        if row.report_id is not None:
            by_position[position]["reports"].append(
                {"value": row.report_value, "source": row.report_source, "recorded_at": instant_text(row.report_recorded_at)}
            )
    positions = list(by_position)
    found = [by_position[position] for position in positions[:limit]]
    next_cursor = None
    if len(positions) > limit:
        period_end_, scope, period = positions[limit - 1]
        next_cursor = cursors.encode({"period_end": period_end_.isoformat(), "scope": scope, "period": period})
    return {"indicator": indicator.key, "unit": indicator.unit, "observations": found, "next_cursor": next_cursor}


def _observation_position(cursor: str) -> dict:
    """The (period_end as a date, scope, period) a cursor of ``list_observations`` points after; ValidationFailed if tampered."""
    position = cursors.decode(cursor, keys={"period_end": str, "scope": str, "period": str})
    try:
        return {**position, "period_end": date.fromisoformat(position["period_end"])}
    except ValueError:
        raise ValidationFailed({"cursor": ["is not a cursor this API gave out; use next_cursor as given"]}) from None


def put_observation(db: Database, key: str, period: str, data: dict, source: str) -> tuple[dict, bool]:
    """Report the value for a period and scope; the observation (with every report) and whether the period is new.

    The period is stored in its canonical form (``canonical_period``). Every report
    is kept with its reporter and time; the observation is the latest report. The
    same value from the same reporter as the latest report changes nothing.
    """
    period = canonical_period(period)
    end = period_end(period)
    scope = data.get("cluster") or ""

    def work(session: Session) -> tuple[dict, bool]:
        _indicator(session, key)
        if scope and session.scalar(select(clusters.c.key).where(clusters.c.key == scope)) is None:
            raise ValidationFailed({"cluster": [f"there is no cluster {scope!r}"]})
        identity = (observations.c.indicator_key == key, observations.c.period == period, observations.c.scope == scope)
        existing = session.execute(select(observations).where(*identity).with_for_update()).first()
        if existing is not None and existing.value == data["value"] and existing.source == source:
            return {**_public(existing), "reports": _reports(session, key, period, scope)}, False
        now = datetime.now(UTC)
        report = {"indicator_key": key, "period": period, "scope": scope, "value": data["value"], "source": source, "recorded_at": now}
        session.execute(insert(observation_reports).values(**report))
        statement = upsert(session, observations).values(**report, period_end=end)
        changed = {name: statement.excluded[name] for name in ("period_end", "value", "source", "recorded_at")}
        session.execute(statement.on_conflict_do_update(index_elements=["indicator_key", "period", "scope"], set_=changed))
        bump_revision(session)
        row = session.execute(select(observations).where(*identity)).one()
        return {**_public(row), "reports": _reports(session, key, period, scope)}, existing is None

    return db.transact(work)
