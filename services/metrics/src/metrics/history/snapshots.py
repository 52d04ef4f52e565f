"""Daily history: the counters and every target as they stood at the end of each day.

The follower refreshes today's snapshot as it goes (at most every few minutes),
so the last refresh of a day is that day's value; ``ecoreg-metrics snapshot``
does the same by hand. Past days are rebuilt from the entity versions and their
commit times (``backfill``; ``ecoreg-metrics resync`` and ``backfill`` run it),
so a series starts at the first change of the feed, not at installation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, exists, func, insert, select

from ecoreg_common.db import Database
from ecoreg_common.errors import NotFound
from metrics import clock
from metrics.answers import Answered, read, with_state
from metrics.counts.as_of import SHANGHAI, AsOf
from metrics.counts.service import cell_query
from metrics.readmodel import keyframes, store
from metrics.readmodel.facts import Fact, contribution
from metrics.tables import CELL_DIMENSIONS, cell_snapshots, count_cells, fact_versions, target_snapshots, targets
from metrics.targets.service import all_assessed


def take(db: Database, day: date) -> int:
    """Replace ``day``'s snapshot with the current counters and targets; how many rows it holds."""
    with db.write() as session:
        session.execute(delete(cell_snapshots).where(cell_snapshots.c.day == day))
        session.execute(delete(target_snapshots).where(target_snapshots.c.day == day))
        source = select(*(count_cells.c[name] for name in CELL_DIMENSIONS), count_cells.c["count"]).where(count_cells.c["count"] > 0)
        rows = [{"day": day, **row._asdict()} for row in session.execute(source)]
        if rows:
            session.execute(insert(cell_snapshots), rows)
        assessed = all_assessed(session, day)
        if assessed:
            session.execute(
                insert(target_snapshots),
                [
                    {
                        "day": day,
                        "target_key": t["key"],
                        "current_value": t["current_value"],
                        "attainment": t["attainment"],
                        "status": t["status"],
                    }
                    for t in assessed
                ],
            )
        return len(rows) + len(assessed)


def count_series(db: Database, filters: dict, start: date, end: date) -> Answered[list[dict]]:
    """The end-of-day counts of ``filters`` from ``start`` to ``end`` (days with a snapshot):
    ``[{"day": "2026-01-02", "value": int}, ...]``, in ONE statement (metrics.answers)."""
    query = cell_query(["day"], filters, table=cell_snapshots).where(cell_snapshots.c.day.between(start, end))

    def build(rows: list) -> Callable[[], list[dict]]:
        return lambda: [{"day": row.day.isoformat(), "value": int(row.count)} for row in rows if row.day is not None]

    return read(db, with_state(query, order_by=["day"]), build)


def target_series(db: Database, key: str, start: date, end: date) -> Answered[list[dict]]:
    """Target ``key``'s end-of-day value, attainment and status from ``start`` to ``end``:
    ``[{"day", "value": float | None, "attainment": float | None, "status": str}, ...]``, in ONE
    statement (metrics.answers) with whether the target exists: the answer raises NotFound if not."""
    query = select(target_snapshots).where(target_snapshots.c.target_key == key, target_snapshots.c.day.between(start, end))
    known = exists(select(1).where(targets.c.key == key)).label("target_exists")

    def build(rows: list) -> Callable[[], list[dict]]:
        def answer() -> list[dict]:
            if not rows[0].target_exists:
                raise NotFound(f"There is no target {key!r}.")
            return [
                {"day": row.day.isoformat(), "value": row.current_value, "attainment": row.attainment, "status": row.status}
                for row in rows
                if row.day is not None
            ]

        return answer

    return read(db, with_state(query, columns=[known], order_by=["day"]), build)


def _day_of(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def backfill(db: Database, until: date | None = None) -> dict:
    """Rebuild the daily history from the first change of the feed up to (not including) ``until``
    (default: today in Asia/Shanghai, which the follower keeps current).

    Sweeps the entity versions (``fact_versions``) in commit order: each version adds its
    counter cells from the day it was committed and removes them from the day it was
    replaced, so every past day's snapshot is the counters at that day's end, without
    replaying the feed (a version replaced no later than it began never counted, as in
    ``as_of``). Targets are assessed for each day with those counts and the reports
    recorded by then. The same sweep rewrites the keyframes ``as_of`` starts from
    (readmodel/keyframes.py): one at the end of every day with a change. Holds the
    follower's lock meanwhile, so no page is applied half-way through. Returns
    ``{"days": n, "cell_rows": n, "target_rows": n, "keyframes": n}``.
    """
    until = until or clock.today()
    with db.read() as session:
        first = session.scalar(select(func.min(fact_versions.c.valid_from)))
    if first is None:
        return {"days": 0, "cell_rows": 0, "target_rows": 0, "keyframes": 0}
    start = _day_of(first)
    columns = [fact_versions.c[name] for name in ("entity_id", "version", "seq", "kind", "subtype", "tier", "status", "district")]
    columns += [
        fact_versions.c.clusters,
        fact_versions.c.tracks,
        fact_versions.c.retired,
        fact_versions.c.valid_from,
        fact_versions.c.valid_to,
    ]
    days = cell_rows = target_rows = frames = 0
    with db.write() as session:
        state = store.lock_state(session)  # the follower waits: the versions stay as read
        track_cluster = store.track_clusters(session)
        session.execute(delete(cell_snapshots).where(cell_snapshots.c.day < until))
        session.execute(delete(target_snapshots).where(target_snapshots.c.day < until))
        last_end = datetime.combine(until, datetime.min.time(), SHANGHAI)
        keyframes.drop(session, up_to=last_end)
        events: dict[date, Counter] = {}
        for row in session.execute(select(*columns).where(fact_versions.c.retired.is_(False)).execution_options(yield_per=5000)):
            if row.valid_to is not None and row.valid_to <= row.valid_from:
                continue  # replaced no later than it began (clock skew between writers): never counted
            fact = Fact(
                row.entity_id,
                row.kind,
                row.subtype,
                row.tier,
                row.status,
                row.district,
                tuple(row.clusters),
                tuple(row.tracks),
                row.version,
                False,
                row.seq,
            )
            cells = contribution(fact, track_cluster)
            events.setdefault(_day_of(row.valid_from), Counter()).update(cells)
            if row.valid_to is not None:
                events.setdefault(_day_of(row.valid_to), Counter()).subtract(cells)
        running: Counter = Counter()
        day = start
        while day < until:
            changed = day in events
            running.update(events.pop(day, Counter()))
            running = +running  # drop cells that fell to zero
            rows = [{"day": day, **dict(zip(CELL_DIMENSIONS, key, strict=True)), "count": count} for key, count in running.items()]
            if rows:
                session.execute(insert(cell_snapshots), rows)
            end = datetime.combine(day + timedelta(days=1), datetime.min.time(), SHANGHAI)
            if changed:
                keyframes.write(session, end, state.checkpoint, running)
                frames += 1
            as_of = AsOf(before=end.astimezone(UTC), day=day, text=end.isoformat(), _cells=running)
            assessed = all_assessed(session, day, as_of)
            if assessed:
                session.execute(
                    insert(target_snapshots),
                    [
                        {
                            "day": day,
                            "target_key": t["key"],
                            "current_value": t["current_value"],
                            "attainment": t["attainment"],
                            "status": t["status"],
                        }
                        for t in assessed
                    ],
                )
            days, cell_rows, target_rows = days + 1, cell_rows + len(rows), target_rows + len(assessed)
            day += timedelta(days=1)
    return {"days": days, "cell_rows": cell_rows, "target_rows": target_rows, "keyframes": frames}
