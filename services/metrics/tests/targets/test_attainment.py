"""The attainment method, status by status, with fixed dates."""

from datetime import date

import pytest

from metrics.targets.attainment import assess

BASE = {"target": 15, "deadline": date(2030, 12, 31), "baseline": 3, "baseline_date": date(2022, 12, 31)}
HALFWAY = date(2026, 12, 31)  # half of the eight years have passed: expected progress 0.5


@pytest.mark.parametrize(
    ("current", "status"),
    [
        (15, "achieved"),
        (16, "achieved"),
        (9, "on_track"),  # progress 0.5 = expected: ratio 1.0
        (8.8, "on_track"),  # ratio 0.967
        (8, "acceleration_needed"),  # ratio 0.83
        (6.6, "acceleration_needed"),  # ratio 0.6: Open SDG's lower threshold
        (6.5, "limited"),  # ratio 0.583
        (5, "limited"),  # ratio 0.33
        (3, "limited"),  # no progress: ratio 0
        (2, "deteriorating"),  # below the baseline
        (None, "no_data"),
    ],
)
def test_statuses_for_an_increase_target(current, status):
    assert assess(current=current, today=HALFWAY, **BASE).status == status


def test_the_figures_behind_the_status():
    result = assess(current=8, today=HALFWAY, **BASE)
    assert result.attainment == pytest.approx(8 / 15, abs=1e-4)
    assert result.progress == pytest.approx(5 / 12, abs=1e-4)
    assert result.expected_progress == pytest.approx(0.5, abs=1e-3)
    assert result.ratio == pytest.approx((5 / 12) / 0.5, abs=1e-3)


def test_a_range_target_is_met_at_its_low_end():
    # "3 to 5 platforms": target_value is 3, the high end is informational
    assert assess(current=3, target=3, deadline=date(2025, 12, 31), today=date(2024, 1, 1)).status == "achieved"
    assert assess(current=2, target=3, deadline=date(2025, 12, 31), today=date(2024, 1, 1)).status != "achieved"


@pytest.mark.parametrize(
    ("current", "status"),
    [(50, "achieved"), (75, "on_track"), (80, "acceleration_needed"), (85, "limited"), (95, "limited"), (110, "deteriorating")],
)
def test_statuses_for_a_decrease_target(current, status):
    # from 100 down to 50 over 2020-2030; halfway expects 75
    result = assess(
        current=current,
        target=50,
        deadline=date(2030, 1, 1),
        today=date(2025, 1, 1),
        baseline=100,
        baseline_date=date(2020, 1, 1),
        direction="decrease",
    )
    assert result.status == status


def test_decrease_attainment_is_target_over_current():
    result = assess(
        current=80,
        target=40,
        deadline=date(2030, 1, 1),
        today=date(2025, 1, 1),
        baseline=100,
        baseline_date=date(2020, 1, 1),
        direction="decrease",
    )
    assert result.attainment == 0.5


def test_no_baseline_means_zero_when_the_plan_was_announced():
    # 70 stations by the end of 2025, none known at the announcement (2022-11-23)
    early = assess(current=35, target=70, deadline=date(2025, 12, 31), today=date(2024, 6, 12))
    assert early.expected_progress == pytest.approx(0.5, abs=0.01)
    assert early.status == "on_track"


def test_before_any_time_has_passed_the_direction_decides():
    kwargs = {"target": 15, "deadline": date(2030, 1, 1), "baseline": 3, "baseline_date": date(2026, 1, 1), "today": date(2026, 1, 1)}
    assert assess(current=3, **kwargs).status == "on_track"
    assert assess(current=2, **kwargs).status == "deteriorating"


def test_after_the_deadline_unmet_is_not_achieved():
    result = assess(current=9, today=date(2031, 6, 1), **BASE)
    assert result.expected_progress == 1.0
    assert result.deadline_passed is True
    assert result.status == "not_achieved"  # half the way at the deadline: missed, not "still possible"


def test_the_hydrogen_stations_of_2025_are_missed():
    # 70 stations by the end of 2025, 6 registered, seen in 2026
    result = assess(current=6, target=70, deadline=date(2025, 12, 31), today=date(2026, 12, 2))
    assert result.status == "not_achieved"
    # met after the deadline is still achieved
    assert assess(current=70, target=70, deadline=date(2025, 12, 31), today=date(2026, 12, 2)).status == "achieved"
    # on the deadline day itself it is not yet missed
    assert assess(current=6, target=70, deadline=date(2025, 12, 31), today=date(2025, 12, 31)).status != "not_achieved"


def test_linear_path_rates_are_units_per_year():
    result = assess(current=8, today=HALFWAY, **BASE)
    assert result.method == "linear_path"
    years = (BASE["deadline"] - BASE["baseline_date"]).days / 365.25
    elapsed = (HALFWAY - BASE["baseline_date"]).days / 365.25
    assert result.required_rate == pytest.approx(12 / years, abs=1e-5)
    assert result.observed_rate == pytest.approx(5 / elapsed, abs=1e-5)
    assert result.ratio == pytest.approx(result.observed_rate / result.required_rate, abs=1e-3)
