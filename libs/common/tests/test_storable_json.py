"""``storable_json``: a body it passes holds nothing ``unstorable_text`` refuses, at any depth."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoreg_common import strictjson
from ecoreg_common.validation import MAX_DEPTH, storable_json, unstorable_text


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": "x\\u0000y"}',  # NUL escaped
        b'{"a\\u0000": 1}',  # in a key
        b'{"a": "\\ud800"}',  # a lone surrogate escaped
        b'{"a": "\\uDFFF"}',
        b'{"a": "\\ud83d\\ude00"}',  # a valid pair (an emoji): not decided, walked
        b'{"a": "\xed\xa0\x80"}',  # a surrogate in UTF-8 form, which json.loads decodes with surrogatepass
        '{"a": "b"}'.encode("utf-16"),  # UTF-16: json.loads detects it
        '{"a": "b"}'.encode("utf-16-le"),
        '{"a": "b"}'.encode("utf-32"),
        nested(MAX_DEPTH + 1),
        b'{"a": {"b": ' + nested(MAX_DEPTH - 1) + b"}}",
        b'[{"a": "]]]]"}, ' + nested(MAX_DEPTH) + b"]",  # closing brackets in a string hide nothing
    ],
)
def test_what_might_be_unstorable_is_left_to_the_walk(raw):
    assert not storable_json(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"{}",
        b'{"name": "\\u4e0a\\u6d77 Co.", "a": [1, 2.5, true, null]}',  # escaped CJK text is fine
        '{"name": "上海"}'.encode(),
        b"\xef\xbb\xbf" + b'{"a": "b"}',  # a UTF-8 byte-order mark
        nested(MAX_DEPTH),
        b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',  # brackets in strings do not nest
        b'{"a": "say \\"[[[[\\" \\\\", "b": "\\\\\\"{{{{"}',  # escaped quotes and backslashes
    ],
)
def test_plain_bodies_are_known_storable(raw):
    strictjson.loads(raw)
    assert storable_json(raw)


TEXT = st.text(
    alphabet=st.sampled_from(["a", '"', "\\", "[", "]", "{", "}", "\x00", "\ud800", "\udc00", "上", "😀", "/", "\n"]), max_size=6
)
DOCUMENTS = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=60,
)


def every_object(value):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from every_object(item)
    elif isinstance(value, list):
        for item in value:
            yield from every_object(item)


@settings(max_examples=500, deadline=None)
@given(DOCUMENTS, st.booleans(), st.integers(min_value=0, max_value=MAX_DEPTH + 3))
def test_a_body_it_passes_has_nothing_unstorable_in_any_object(document, ascii_only, wrap):
    for _ in range(wrap):
        document = {"x": [document]} if wrap % 2 else [document]
    try:
        raw = json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    except UnicodeEncodeError:
        return
    parsed = strictjson.loads(raw)
    if storable_json(raw):
        assert all(unstorable_text(dict(obj)) == {} for obj in every_object(parsed))
        assert unstorable_text(parsed) == {}
