"""Daily history: the counters and every target as they stood at the end of each day.

The follower refreshes today's snapshot as it goes (at most every few minutes),
so the last refresh of a day is that day's value; ``ecoreg-metrics snapshot``
does the same by hand.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, insert, select

from ecoreg_common.db import Database
from metrics.counts.service import cell_query
from metrics.tables import CELL_DIMENSIONS, cell_snapshots, count_cells, target_snapshots
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


def count_series(db: Database, filters: dict, start: date, end: date) -> list[dict]:
    query = cell_query(["day"], filters, table=cell_snapshots).where(cell_snapshots.c.day.between(start, end))
    with db.read() as session:
        return [{"day": row.day.isoformat(), "value": int(row.count)} for row in session.execute(query)]


def target_series(db: Database, key: str, start: date, end: date) -> list[dict]:
    query = (
        select(target_snapshots)
        .where(target_snapshots.c.target_key == key, target_snapshots.c.day.between(start, end))
        .order_by(target_snapshots.c.day)
    )
    with db.read() as session:
        return [
            {"day": row.day.isoformat(), "value": row.current_value, "attainment": row.attainment, "status": row.status}
            for row in session.execute(query)
        ]
