"""Times as people in Shanghai read them: every date and time the pages show is Asia/Shanghai.

The services speak UTC (ISO 8601 with ``Z`` or an offset); the pages convert at
the last moment, so nothing upstream depends on where the reader is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ecoreg_common.formats import parse_instant

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current instant, in Asia/Shanghai (aware)."""
    return datetime.now(UTC).astimezone(SHANGHAI)


def today() -> date:
    """Today's date in Shanghai (which is not the server's date for eight hours of every UTC day)."""
    return now().date()


def parse(instant: str | None) -> datetime | None:
    """An ISO 8601 instant from a service (``Z`` or an offset) as an aware datetime in Shanghai; None if absent or unreadable.

    A naive value is taken as UTC, which is what the services store.
    """
    if not instant:
        return None
    try:
        return parse_instant(instant).astimezone(SHANGHAI)
    except (AttributeError, TypeError, ValueError):
        return None


def shown_time(instant: str | None) -> str:
    """``2026-12-02 10:05`` (Shanghai, to the minute) for an ISO instant; "" when there is none."""
    parsed = parse(instant)
    return parsed.strftime("%Y-%m-%d %H:%M") if parsed else ""


def shown_date(instant: str | None) -> str:
    """``2026-12-02``: the Shanghai calendar date of an ISO instant; "" when there is none."""
    parsed = parse(instant)
    return parsed.date().isoformat() if parsed else ""
