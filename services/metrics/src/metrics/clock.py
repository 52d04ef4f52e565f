"""Shanghai's clock: the one place the metrics service reads the time of day.

Every "today" of the service (the day a target is assessed on, the history's
provisional row, the ETag's date, the default end of a series) is the calendar
date in Asia/Shanghai, not the machine's: a server on UTC is still on
yesterday's date until 08:00 in Shanghai, and an official reading the dashboard
at 07:00 would otherwise see yesterday's assessment. Tests replace ``now`` to
fake the clock (``monkeypatch.setattr(metrics.clock, "now", ...)``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Asia/Shanghai (UTC+8, no daylight saving since 1991)."""
    return now().astimezone(SHANGHAI).date()
