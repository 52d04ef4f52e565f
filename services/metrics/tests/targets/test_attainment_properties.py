"""Properties of the attainment method that must hold for any numbers and dates."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.targets.attainment import STATUSES, assess

values = st.floats(min_value=0, max_value=1e9, allow_nan=False)
days = st.integers(min_value=0, max_value=4000)
START = date(2022, 11, 23)


# No deadline: a pure function timed on a shared, loaded machine is not what this checks.
@settings(deadline=None)
@given(values, values, values, days, days, st.sampled_from(["increase", "decrease"]))
def test_every_assessment_has_a_known_status_and_bounded_expectation(current, target, baseline, span, elapsed, direction):
    result = assess(
        current=current,
        target=target,
        baseline=baseline,
        baseline_date=START,
        deadline=START + timedelta(days=span),
        today=START + timedelta(days=elapsed),
        direction=direction,
    )
    assert result.status in STATUSES
    assert 0 <= result.expected_progress <= 1


@given(values.filter(lambda v: v > 0), days.filter(lambda d: d > 0), days)
def test_meeting_an_increase_target_is_achieved_whatever_the_date(target, span, elapsed):
    for current in (target, target * 1.5):
        assert (
            assess(current=current, target=target, deadline=START + timedelta(days=span), today=START + timedelta(days=elapsed)).status
            == "achieved"
        )


@given(st.floats(min_value=0, max_value=1000), st.floats(min_value=0, max_value=1000), st.integers(1, 3000), st.integers(1, 3000))
def test_more_progress_never_means_a_worse_status(a, b, span, elapsed):
    order = ["not_achieved", "deteriorating", "limited", "acceleration_needed", "on_track", "achieved"]
    kwargs = {
        "target": 1000.0,
        "baseline": 0.0,
        "baseline_date": START,
        "deadline": START + timedelta(days=span),
        "today": START + timedelta(days=elapsed),
    }
    low, high = sorted((a, b))
    assert order.index(assess(current=low, **kwargs).status) <= order.index(assess(current=high, **kwargs).status)
