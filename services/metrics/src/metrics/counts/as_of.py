"""Counts as they were at a past instant, from the registry's commit times (``fact_versions``).

``as_of`` is a date (the end of that day) or an instant, in Asia/Shanghai unless
it names an offset. An answer as of T counts every entity version committed at
or before T and not replaced by then: the counter cells then are the nearest
keyframe at or before T (the cells at a midnight) plus the contributions of the
versions that began or ended since (readmodel/keyframes.py; the same contribution
rule as the live counters), so the cost is about one day's changes, whatever the
length of the history; the question is then answered from those cells.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ecoreg_common.errors import ValidationFailed
from metrics.counts.links import ANY_STATUS
from metrics.readmodel.facts import CellKey
from metrics.readmodel.keyframes import cells_before
from metrics.tables import CELL_DIMENSIONS

SHANGHAI = ZoneInfo("Asia/Shanghai")
# What the ``entities`` links of an as_of answer list: the registry's list answers for the
# present only, so a link shows today's entities with the count's filters (a count as of a
# past moment and its list may differ by what changed since). Every as_of answer says so.
LINKS_AS_OF = "now: the registry lists today's entities with these filters; the count is as of the moment asked"


@dataclass
class AsOf:
    """A past moment: answers include changes committed strictly before ``before``."""

    before: datetime  # exclusive upper bound, aware UTC
    day: date  # the Shanghai date assessed (targets' "today")
    text: str  # the instant as served, ISO 8601 in Asia/Shanghai
    _cells: Counter[CellKey] | None = field(default=None, repr=False)

    def cells(self, session: Session, track_cluster: dict[str, str]) -> Counter[CellKey]:
        """The counter cells as they stood then (computed once per answer)."""
        if self._cells is None:
            self._cells = cells_before(session, self.before, track_cluster)
        return self._cells


def parse_as_of(text: str, now: datetime | None = None) -> AsOf:
    """``2025-12-31`` (end of that day) or ``2025-12-31T18:00:00[+08:00]`` (an instant).

    Raises ValidationFailed (422) for anything else or for a moment in the future.
    """
    now = now or datetime.now(UTC)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            before = datetime.combine(day + timedelta(days=1), time(), SHANGHAI)
            shown = before - timedelta(microseconds=1)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=SHANGHAI)
            shown = moment
            before = moment + timedelta(microseconds=1)
    except ValueError:
        raise ValidationFailed({"as_of": ["must be a date (2025-12-31) or an ISO 8601 instant (2025-12-31T18:00:00+08:00)"]}) from None
    if shown.astimezone(UTC) > now:
        raise ValidationFailed({"as_of": ["must not be in the future"]})
    local = shown.astimezone(SHANGHAI)
    return AsOf(before=before.astimezone(UTC), day=local.date(), text=local.isoformat(timespec="seconds"))


def group_cells(cells: Counter[CellKey], group_by: list[str], filters: dict, default_statuses: tuple[str, ...]) -> list[tuple[tuple, int]]:
    """The in-memory twin of ``counts.service.cell_query``: (group values, count) rows, same rules."""
    index = {name: i for i, name in enumerate(CELL_DIMENSIONS)}
    cluster_family = "cluster" in group_by or bool(filters.get("cluster"))
    track_family = "track" in group_by or bool(filters.get("track"))
    wanted = {}
    for name in CELL_DIMENSIONS:
        value = filters.get(name)
        values = [value] if isinstance(value, str) else list(value or [])
        if name == "status":
            values = values or list(default_statuses)
            if values == [ANY_STATUS]:  # every status
                continue
        if values:
            wanted[index[name]] = set(values)
    totals: Counter[tuple] = Counter()
    for key, count in cells.items():
        if (key[0] != "") != cluster_family or (key[1] != "") != track_family:
            continue
        if any(key[i] not in allowed for i, allowed in wanted.items()):
            continue
        totals[tuple(key[index[name]] for name in group_by)] += count
    if not group_by:
        return [((), totals.get((), 0))]
    return sorted((group, count) for group, count in totals.items() if count > 0)
