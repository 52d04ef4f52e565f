"""How far a target is from being met. Pure: a target's numbers in, an assessment out.

Two methods, both scored against Open SDG's thresholds for a quantitative target
(open-sdg/sdg-build, ``sdg/ProgressMeasure.py``, method 2: 0.95 / 0.6 / 0):

``open_sdg_cagr`` (indicator targets), Open SDG method 2 as published:

- observed rate = (current / base) ** (1 / (current_year - base_year)) - 1, the
  compound annual growth from the base year to the year of the **latest
  observation** (not to today);
- required rate = (target / base) ** (1 / (target_year - base_year)) - 1;
- ratio = sign(base) * direction * observed / |required| (direction +1 to
  increase, -1 to decrease); a base or target of 0 is taken as 0.001, as
  Open SDG does; values of opposite signs, or fewer than one year between base
  and latest observation, give no ratio.

``linear_path`` (count targets, whose baseline is usually 0 entities, where a
growth rate is undefined): a straight path from the baseline date to the
deadline, evaluated on the day assessed:

- observed rate = (current - base) / years elapsed, required rate = (target - base) / years planned;
- ratio = observed / required = progress / expected progress.

Status, in order: ``no_data`` (no current value); ``achieved`` (the latest value
meets the target, for a range its low end); ``not_achieved`` (the deadline has
passed and it is not met: final, shown as missed); then by ratio ``on_track``
(>= 0.95), ``acceleration_needed`` (>= 0.6), ``limited`` (>= 0),
``deteriorating`` (< 0). Without a ratio (not enough data yet, or no time
elapsed) the status is ``on_track`` unless the value moved away from the target.

Every number returned is finite or None: a computation that overflows gives None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

PLAN_DATE = date(2022, 11, 23)
THRESHOLDS = {"on_track": 0.95, "acceleration_needed": 0.6, "limited": 0.0}
ON_TRACK = THRESHOLDS["on_track"]
ACCELERATION_NEEDED = THRESHOLDS["acceleration_needed"]
# Each status with what people call it, in the order above (served by GET /api/v1/metrics/vocabulary,
# so the dashboard names a status this module gains without a change of its own).
STATUS_NAMES = {
    "achieved": {"name_en": "achieved", "name_zh": "已实现"},
    "on_track": {"name_en": "on track", "name_zh": "进展顺利"},
    "acceleration_needed": {"name_en": "acceleration needed", "name_zh": "需加快"},
    "limited": {"name_en": "limited progress", "name_zh": "进展有限"},
    "deteriorating": {"name_en": "deteriorating", "name_zh": "倒退"},
    "not_achieved": {"name_en": "missed", "name_zh": "未达成"},
    "no_data": {"name_en": "no data", "name_zh": "暂无数据"},
}
STATUSES = tuple(STATUS_NAMES)
METHODS = ("open_sdg_cagr", "linear_path")
# Open SDG replaces a zero base or target with this, since growth from 0 is undefined.
OPEN_SDG_ZERO = 0.001
_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Assessment:
    """An assessment and every input a reader needs to recompute it by hand."""

    method: str
    status: str
    current_value: float | None
    current_date: date | None
    base_value: float | None
    base_date: date | None
    assessed_on: date
    required_rate: float | None
    observed_rate: float | None
    ratio: float | None
    attainment: float | None
    progress: float | None
    expected_progress: float | None
    deadline_passed: bool

    def as_dict(self) -> dict:
        """JSON-ready: dates as ISO strings, numbers finite or None, the thresholds used."""
        return {
            "method": self.method,
            "status": self.status,
            "current_value": self.current_value,
            "current_date": self.current_date.isoformat() if self.current_date else None,
            "base_value": self.base_value,
            "base_date": self.base_date.isoformat() if self.base_date else None,
            "assessed_on": self.assessed_on.isoformat(),
            "required_rate": self.required_rate,
            "observed_rate": self.observed_rate,
            "ratio": self.ratio,
            "thresholds": dict(THRESHOLDS),
            "attainment": self.attainment,
            "progress": self.progress,
            "expected_progress": self.expected_progress,
            "deadline_passed": self.deadline_passed,
        }

    def numbers(self) -> tuple[float | None, ...]:
        return (self.current_value, self.base_value, self.required_rate, self.observed_rate, self.ratio, self.attainment, self.progress)


def finite(value: float | None, digits: int = 4) -> float | None:
    """``value`` rounded to ``digits`` decimals, or None when it is missing, infinite or NaN (never served)."""
    if value is None or not math.isfinite(value):
        return None
    rounded = round(value, digits)
    return rounded if math.isfinite(rounded) else None


def significant(value: float | None, figures: int = 6) -> float | None:
    """``value`` to ``figures`` significant figures (a rate of 1e-9 stays 1e-9, not 0.0), or None
    when it is missing, infinite or NaN. The rates are served this way so that
    ``observed_rate / required_rate`` recomputes ``ratio`` whatever their magnitude."""
    if value is None or not math.isfinite(value):
        return None
    rounded = float(f"{value:.{figures}g}")
    return rounded if math.isfinite(rounded) else None


def _div(a: float, b: float) -> float | None:
    try:
        result = a / b
    except (ZeroDivisionError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def growth(current: float, base: float, current_year: int, base_year: int) -> float | None:
    """Compound annual growth rate, Open SDG's ``growth_calculation``; None when undefined or overflowing."""
    years = current_year - base_year
    ratio = _div(current, base)
    if years == 0 or ratio is None or ratio < 0:
        return None
    try:
        result = ratio ** (1 / years) - 1
    except (OverflowError, ZeroDivisionError):
        return None
    return result if isinstance(result, float) and math.isfinite(result) else None


def _status_from_ratio(ratio: float) -> str:
    if ratio >= THRESHOLDS["on_track"]:
        return "on_track"
    if ratio >= THRESHOLDS["acceleration_needed"]:
        return "acceleration_needed"
    if ratio >= THRESHOLDS["limited"]:
        return "limited"
    return "deteriorating"


def _attainment(current: float, target: float, increase: bool, met: bool) -> float | None:
    if increase:
        return _div(current, target) if target else (1.0 if met else 0.0)
    return _div(target, current) if current else 1.0


def assess_cagr(
    *,
    current: float | None,
    current_date: date | None,
    target: float,
    deadline: date,
    today: date,
    base: float | None,
    base_date: date | None,
    direction: str = "increase",
) -> Assessment:
    """Open SDG method 2 for an indicator target; years are calendar years of the dates given."""
    increase = direction == "increase"
    passed = today > deadline
    if current is None or current_date is None:
        return Assessment("open_sdg_cagr", "no_data", None, None, base, base_date, today, None, None, None, None, None, None, passed)
    met = current >= target if increase else current <= target
    attainment = _attainment(current, target, increase, met)
    required = observed = ratio = None
    if base is not None and base_date is not None:
        base_used = base or OPEN_SDG_ZERO
        target_used = target or OPEN_SDG_ZERO
        same_sign = (base_used > 0 and current >= 0) or (base_used < 0 and current <= 0)
        required = growth(target_used, base_used, deadline.year, base_date.year)
        observed = growth(current, base_used, current_date.year, base_date.year) if same_sign else None
        if required is not None and observed is not None and required != 0:
            sign = -1 if base_used < 0 else 1
            ratio = _div(sign * (1 if increase else -1) * observed, abs(required))
    distance = target - base if base is not None else None
    progress = _div(current - base, distance) if distance else None
    if met:
        status = "achieved"
    elif passed:
        status = "not_achieved"
    elif ratio is not None:
        status = _status_from_ratio(ratio)
    else:
        away = base is not None and (current < base if increase else current > base)
        status = "deteriorating" if away else "on_track"
    return Assessment(
        "open_sdg_cagr",
        status,
        float(current),
        current_date,
        base,
        base_date,
        today,
        significant(required),
        significant(observed),
        finite(ratio),
        finite(attainment),
        finite(progress),
        None,
        passed,
    )


def assess_linear(
    *,
    current: float | None,
    target: float,
    deadline: date,
    today: date,
    base: float | None = None,
    base_date: date | None = None,
    direction: str = "increase",
) -> Assessment:
    """A straight path from (base_date, base) to (deadline, target), evaluated on ``today``.

    Without a baseline the path starts at 0 on the day the plan was announced (2022-11-23).
    """
    if base is None:
        base, base_date = 0.0, PLAN_DATE
    base_date = base_date or PLAN_DATE
    increase = direction == "increase"
    passed = today > deadline
    if current is None:
        return Assessment("linear_path", "no_data", None, None, base, base_date, today, None, None, None, None, None, None, passed)
    met = current >= target if increase else current <= target
    attainment = _attainment(current, target, increase, met)
    distance = target - base
    progress = _div(current - base, distance) if distance else (1.0 if met else 0.0)

    span_years = (deadline - base_date).days / _DAYS_PER_YEAR
    elapsed_years = max(0.0, (min(today, deadline) - base_date).days / _DAYS_PER_YEAR)
    expected = 1.0 if span_years <= 0 else min(1.0, elapsed_years / span_years)
    required = _div(distance, span_years) if span_years > 0 else None
    observed = _div(current - base, elapsed_years) if elapsed_years > 0 else None
    ratio = _div(progress, expected) if progress is not None and expected else None

    if met:
        status = "achieved"
    elif passed:
        status = "not_achieved"
    elif ratio is None:
        status = "deteriorating" if (progress or 0) < 0 else "on_track"
    else:
        status = _status_from_ratio(ratio)
    return Assessment(
        "linear_path",
        status,
        float(current),
        today,
        base,
        base_date,
        today,
        significant(required),
        significant(observed),
        finite(ratio),
        finite(attainment),
        finite(progress),
        finite(expected),
        passed,
    )


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
    """The linear path (kept for callers that name the baseline ``baseline``)."""
    return assess_linear(
        current=current, target=target, deadline=deadline, today=today, base=baseline, base_date=baseline_date, direction=direction
    )
