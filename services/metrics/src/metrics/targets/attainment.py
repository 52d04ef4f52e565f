"""How far a target is from being met, in the manner of Open SDG's progress methodology.

Pure: a target's numbers, the current value and today's date in; an assessment out.

- ``attainment``: current / target for an increase target, target / current for a
  decrease target (1.0 or more means met).
- ``progress``: the share of the way from baseline to target covered so far,
  (current - baseline) / (target - baseline).
- ``expected_progress``: the share of the way that a straight path from the
  baseline date to the deadline would have covered by today (0 to 1).
- ``ratio`` = progress / expected_progress, and the status:

  =====================  ==========================================================
  achieved               the target is met (for a range such as "3 to 5", at its low end)
  on_track               ratio >= 0.95
  acceleration_needed    0.5 <= ratio < 0.95
  limited                0 <= ratio < 0.5
  deteriorating          ratio < 0: further from the target than at the baseline
  no_data                no current value yet
  =====================  ==========================================================

  Before any time has passed (today on or before the baseline date) there is
  no expected progress: the status is on_track unless the value went the wrong way.

When a target has no baseline, the baseline is 0 on the day the plan was
announced (2022-11-23), unless the caller passes one (for indicators the
service passes the earliest observation when there are two or more).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PLAN_DATE = date(2022, 11, 23)
ON_TRACK = 0.95
ACCELERATION_NEEDED = 0.5
STATUSES = ("achieved", "on_track", "acceleration_needed", "limited", "deteriorating", "no_data")


@dataclass(frozen=True)
class Assessment:
    current_value: float | None
    attainment: float | None
    progress: float | None
    expected_progress: float | None
    ratio: float | None
    status: str

    def as_dict(self) -> dict:
        return {
            "current_value": self.current_value,
            "attainment": self.attainment,
            "progress": self.progress,
            "expected_progress": self.expected_progress,
            "ratio": self.ratio,
            "status": self.status,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def assess(
    *,
    current: float | None,
    target: float,
    deadline: date,
    today: date,
    baseline: float | None = None,
    baseline_date: date | None = None,
    direction: str = "increase",
) -> Assessment:
    if current is None:
        return Assessment(None, None, None, None, None, "no_data")
    if baseline is None:
        baseline, baseline_date = 0.0, PLAN_DATE
    baseline_date = baseline_date or PLAN_DATE
    increase = direction == "increase"

    met = current >= target if increase else current <= target
    if increase:
        attainment = current / target if target else (1.0 if met else 0.0)
    else:
        attainment = target / current if current else 1.0
    distance = target - baseline
    progress = (current - baseline) / distance if distance else (1.0 if met else 0.0)

    span = (deadline - baseline_date).days
    elapsed = (today - baseline_date).days
    expected = 1.0 if span <= 0 else min(1.0, max(0.0, elapsed / span))

    if met:
        status, ratio = "achieved", (progress / expected if expected else None)
    elif expected == 0:
        status, ratio = ("deteriorating" if progress < 0 else "on_track"), None
    else:
        ratio = progress / expected
        if ratio >= ON_TRACK:
            status = "on_track"
        elif ratio >= ACCELERATION_NEEDED:
            status = "acceleration_needed"
        elif ratio >= 0:
            status = "limited"
        else:
            status = "deteriorating"
    return Assessment(float(current), _round(attainment), _round(progress), _round(expected), _round(ratio), status)
