"""fastload's own tests of marshmallow's validators accept exactly what the validators accept."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import validate

from ecoreg_common.fastload import _check


def accepts(validator, value) -> bool:
    try:
        return validator(value) is not False
    except ma.ValidationError:
        return False


LENGTHS = [validate.Length(min=1, max=5), validate.Length(max=3), validate.Length(min=2), validate.Length(equal=4), validate.Length()]
RANGES = [
    validate.Range(min=1, max=10),
    validate.Range(min=1, max=10, min_inclusive=False, max_inclusive=False),
    validate.Range(max=0),
    validate.Range(min=-3, min_inclusive=False),
]


@given(st.text(max_size=8) | st.lists(st.integers(), max_size=8), st.sampled_from(LENGTHS))
def test_length(value, validator):
    assert _check(validator, (str,))(value) == accepts(validator, value)


@given(st.text(max_size=6), st.sampled_from([validate.OneOf(("a", "bb", "")), validate.OneOf(["x"]), validate.Regexp(r"^[a-z_]+$")]))
def test_choices_and_patterns_on_text(value, validator):
    assert _check(validator, (str,))(value) == accepts(validator, value)


@given(st.integers(min_value=-20, max_value=20), st.sampled_from([*RANGES, validate.OneOf((1, 2, 3))]))
def test_ranges_and_choices_on_integers(value, validator):
    assert _check(validator, (int,))(value) == accepts(validator, value)


@given(st.dates())
def test_date_ranges(value):
    validator = validate.Range(min=date(1800, 1, 1), max=date(2099, 12, 31))
    assert _check(validator, (date,))(value) == accepts(validator, value)


def test_any_other_validator_is_called():
    def odd(value):
        if value % 2 == 0:
            raise ma.ValidationError("even")

    assert _check(odd, (int,))(3) is True
    assert _check(lambda value: value > 0, (int,))(-1) is False
