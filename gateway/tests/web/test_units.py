"""Figures in the reader's units: 500 billion yuan is 5,000 亿元 on the Chinese page."""

import math

import pytest

from gateway.web.units import figure, number


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (8234567, "8,234,567"),
        (10000.0, "10,000"),
        (166.67, "166.67"),
        (0.5, "0.5"),
        (0, "0"),
        (None, "—"),
        (math.inf, "—"),
        (math.nan, "—"),
    ],
)
def test_numbers_are_written_as_people_write_them(value, shown):
    assert number(value) == shown


def test_money_is_in_yi_yuan_on_the_chinese_page():
    assert figure(500, "billion CNY", "zh") == {"number": "5,000", "unit": "亿元", "scale": 10.0}
    assert figure(100, "billion CNY", "en") == {"number": "100", "unit": "billion CNY", "scale": 1.0}


@pytest.mark.parametrize(("unit", "chinese"), [("vehicles", "辆"), ("zones", "个"), ("stations", "座"), ("centres", "家")])
def test_counted_things_get_their_chinese_measure_word(unit, chinese):
    assert figure(70, unit, "zh")["unit"] == chinese


def test_an_unknown_unit_is_shown_as_it_came():
    assert figure(3, "widgets", "zh") == {"number": "3", "unit": "widgets", "scale": 1.0}
    assert figure(None, "vehicles", "zh")["number"] == "—"
