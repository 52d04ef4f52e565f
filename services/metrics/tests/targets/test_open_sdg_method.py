"""Open SDG's progress measure, method 2 (quantitative target), as open-sdg/sdg-build publishes it.

The worked example of the README: base 100 in 2015, target 200 by 2030
(increase), latest observation 2025 = 166.67. Observed CAGR 2015-2025 =
(166.67/100)^(1/10) - 1 = 0.05240; required CAGR 2015-2030 = 2^(1/15) - 1 =
0.04729; ratio 1.108 >= 0.95: on track, whatever today's date is.
"""

from datetime import date

import pytest

from metrics.targets.attainment import THRESHOLDS, assess_cagr, growth

EXAMPLE = {
    "target": 200,
    "deadline": date(2030, 12, 31),
    "base": 100,
    "base_date": date(2015, 12, 31),
    "today": date(2026, 12, 2),
}


def latest(value, year=2025, **overrides):
    return assess_cagr(current=value, current_date=date(year, 12, 31), **{**EXAMPLE, **overrides})


def test_the_worked_example_is_on_track():
    result = latest(166.67)
    assert result.method == "open_sdg_cagr"
    assert result.observed_rate == pytest.approx((166.67 / 100) ** (1 / 10) - 1, abs=1e-6)
    assert result.required_rate == pytest.approx(2 ** (1 / 15) - 1, abs=1e-6)
    assert result.ratio == pytest.approx(1.108, abs=0.001)
    assert result.status == "on_track"
    assert (result.base_value, result.base_date, result.current_date) == (100, date(2015, 12, 31), date(2025, 12, 31))
    assert THRESHOLDS == {"on_track": 0.95, "acceleration_needed": 0.6, "limited": 0.0}


def test_the_rate_is_to_the_latest_observation_not_to_today():
    # The same observation assessed on different days gives the same ratio.
    assert latest(166.67, today=date(2026, 1, 1)).ratio == latest(166.67, today=date(2029, 6, 1)).ratio


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (200, "achieved"),  # meets the target
        (250, "achieved"),
        (160, "on_track"),  # observed 0.04812: ratio 1.018
        (156, "on_track"),  # ratio 0.961, above 0.95
        (155, "acceleration_needed"),  # ratio 0.947, just below 0.95
        (140, "acceleration_needed"),  # 0.03422: ratio 0.724
        (132, "limited"),  # 0.02815: ratio 0.595, just below 0.6
        (128, "limited"),  # 0.02500: ratio 0.529
        (100, "limited"),  # no growth: ratio 0
        (90, "deteriorating"),  # shrank: ratio < 0
    ],
)
def test_neighbours_of_the_worked_example(value, status):
    expected = (value / 100) ** (1 / 10) - 1
    ratio = expected / (2 ** (1 / 15) - 1)
    result = latest(value)
    if value < 200:
        assert result.ratio == pytest.approx(ratio, abs=1e-4)
    assert result.status == status


def test_decrease_targets_use_the_direction():
    # from 100 (2015) down to 50 by 2030; 2025 at 63 is on its path (0.5^(10/15) = 0.63)
    result = assess_cagr(
        current=63,
        current_date=date(2025, 12, 31),
        target=50,
        deadline=date(2030, 12, 31),
        today=date(2026, 1, 1),
        base=100,
        base_date=date(2015, 12, 31),
        direction="decrease",
    )
    assert result.ratio == pytest.approx(1.0, abs=0.02)
    assert result.status == "on_track"


def test_past_the_deadline_unmet_is_not_achieved():
    assert latest(166.67, today=date(2031, 1, 1)).status == "not_achieved"
    assert latest(200, today=date(2031, 1, 1)).status == "achieved"


def test_too_little_data_gives_no_ratio():
    # the latest observation is the base year: no growth can be measured
    result = latest(100, year=2015)
    assert result.ratio is None
    assert result.observed_rate is None
    assert result.status == "on_track"
    assert assess_cagr(current=None, current_date=None, **EXAMPLE).status == "no_data"


def test_zero_base_is_taken_as_open_sdg_does():
    result = latest(5, base=0)
    assert result.observed_rate == pytest.approx((5 / 0.001) ** (1 / 10) - 1, rel=1e-5)  # 6 significant figures


def test_no_number_is_ever_infinite():
    result = latest(166.67, target=1e-320)
    for number in result.numbers():
        assert number is None or abs(number) < float("inf")
    assert growth(1e308, 1e-308, 2025, 2024) is None


def test_tiny_rates_keep_their_significant_figures():
    """A count target of 1e-9 by 2030 (linear path): the required rate is tiny, the ratio huge;
    both rates keep six significant figures, so observed / required recomputes the ratio."""
    from metrics.targets.attainment import assess_linear, significant

    result = assess_linear(
        current=3, target=1e-9, deadline=date(2030, 12, 31), today=date(2026, 12, 2), base=0, base_date=date(2022, 11, 23)
    )
    assert result.required_rate != 0.0
    assert result.required_rate == pytest.approx(1e-9 / ((date(2030, 12, 31) - date(2022, 11, 23)).days / 365.25), rel=1e-5)
    assert significant(1.234567891e-9) == 1.23457e-9
    assert significant(0.0472941228) == 0.0472941
    assert significant(float("nan")) is None
