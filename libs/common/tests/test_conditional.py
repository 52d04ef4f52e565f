"""Conditional requests by RFC 9110: entity tag syntax, weak and strong comparison, the order of evaluation."""

from __future__ import annotations

import pytest

from ecoreg_common.conditional import BadConditionalHeader, etag_for, evaluate, parse_tags, strong_match, weak_match
from ecoreg_common.errors import PreconditionFailed

TAG = '"abc"'


def test_parse_tags():
    assert parse_tags(None) is None
    assert parse_tags("*") == ["*"]
    assert parse_tags(' "a" , W/"b",  "c"') == ['"a"', 'W/"b"', '"c"']
    assert parse_tags('""') == ['""']
    assert parse_tags(', "a",, W/"b" ,') == ['"a"', 'W/"b"']  # empty list elements are ignored (RFC 9110, 5.6.1.2)
    for bad in ("abc", '"a', '"a" "b"', ",", " , ,", "W/", '"a"b', "", '"sp ace"'):
        with pytest.raises(BadConditionalHeader):
            parse_tags(bad)


def test_comparison_functions_as_in_rfc_9110_8_8_3_2():
    # The table in RFC 9110, 8.8.3.2.
    assert not strong_match('W/"1"', 'W/"1"')
    assert weak_match('W/"1"', 'W/"1"')
    assert not strong_match('W/"1"', 'W/"2"')
    assert not weak_match('W/"1"', 'W/"2"')
    assert not strong_match('W/"1"', '"1"')
    assert weak_match('W/"1"', '"1"')
    assert strong_match('"1"', '"1"')
    assert weak_match('"1"', '"1"')


@pytest.mark.parametrize(
    ("method", "if_match", "if_none_match", "expected"),
    [
        ("GET", None, None, None),
        ("GET", None, TAG, 304),
        ("GET", None, f"W/{TAG}", 304),  # weak comparison (13.1.2)
        ("GET", None, f'"x", {TAG}', 304),  # any tag of a list
        ("GET", None, '"x", "y"', None),
        ("GET", None, "*", 304),
        ("HEAD", None, TAG, 304),
        ("GET", TAG, None, None),
        ("GET", "*", None, None),
        ("GET", TAG, TAG, 304),  # If-Match passes, then If-None-Match decides (13.2.2)
        ("PATCH", TAG, None, None),
        ("PATCH", f'"x", {TAG}', None, None),
    ],
)
def test_evaluate_passes_or_not_modified(method, if_match, if_none_match, expected):
    assert evaluate(method, TAG, if_match=if_match, if_none_match=if_none_match) == expected


@pytest.mark.parametrize(
    ("method", "current", "if_match", "if_none_match"),
    [
        ("PATCH", TAG, f"W/{TAG}", None),  # a weak tag never matches If-Match (strong comparison)
        ("PATCH", TAG, '"x"', None),
        ("GET", TAG, '"x"', TAG),  # If-Match is evaluated first: 412, not 304
        ("PUT", TAG, None, "*"),  # If-None-Match fails on a write: 412
        ("PUT", TAG, None, TAG),
        ("PUT", None, "*", None),  # If-Match: * needs a current representation
    ],
)
def test_evaluate_precondition_failed(method, current, if_match, if_none_match):
    with pytest.raises(PreconditionFailed):
        evaluate(method, current, if_match=if_match, if_none_match=if_none_match)


def test_if_none_match_star_passes_when_nothing_exists():
    assert evaluate("PUT", None, if_match=None, if_none_match="*") is None


def test_etag_for_is_strong_and_stable():
    assert etag_for(b"x") == etag_for("x")
    assert etag_for(b"x") != etag_for(b"y")
    assert not etag_for(b"x").startswith("W/")
    assert parse_tags(etag_for(b"x")) == [etag_for(b"x")]
