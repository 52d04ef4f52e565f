"""Input rules every service's schemas share.

Text that PostgreSQL cannot store (NUL characters) or that is not valid Unicode
(lone surrogates from ``\\ud800`` escapes) is refused at the door as a field
error, instead of failing deep in the database with a 500.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date

import marshmallow as ma
from marshmallow import fields

MAX_DEPTH = 32


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text (a lone surrogate)"
    return None


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    if text.isascii():  # O(1) in CPython: the string knows it is ASCII
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _all_storable(value: object, depth: int) -> bool:
    """Whether ``unstorable_text`` would find nothing (the common case, without building paths)."""
    if depth > MAX_DEPTH:
        return False
    kind = type(value)
    if kind is str:
        return _storable(value)
    if kind is int or kind is float or kind is bool or value is None:  # what JSON gives, checked first
        return True
    if isinstance(value, dict):
        if depth + 1 > MAX_DEPTH:  # its items are too deep, whatever they are
            return not value
        for key, item in value.items():
            if not _storable(key if type(key) is str else str(key)):
                return False
            kind = type(item)
            if kind is str:
                if not _storable(item):
                    return False
            elif not (kind is int or kind is float or kind is bool or item is None) and not _all_storable(item, depth + 1):
                return False
    elif isinstance(value, list):
        for item in value:
            if not _all_storable(item, depth + 1):
                return False
    elif isinstance(value, str):  # a str subclass
        return _storable(value)
    return True


def unstorable_text(value: object, path: str = "", depth: int = 0) -> dict[str, list[str]]:
    """Field path -> messages for every string (or key) in ``value`` that cannot be stored."""
    if not path and _all_storable(value, depth):
        return {}
    if depth > MAX_DEPTH:
        return {path or "_schema": [f"is nested more than {MAX_DEPTH} levels deep"]}
    problems: dict[str, list[str]] = {}
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem:
            problems[path or "_schema"] = [problem]
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            child = f"{path}.{key_text}" if path else key_text
            problem = _text_problem(key_text)
            if problem:
                problems.setdefault(path or "_schema", []).append(f"a key {problem}")
                continue
            problems.update(unstorable_text(item, child, depth + 1))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.update(unstorable_text(item, f"{path}.{index}" if path else str(index), depth + 1))
    return problems


# What in a JSON body's bytes could give a string unstorable_text refuses (see storable_json).
_NUL_ESCAPE = b"\\u0000"
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # \ud800-\udfff, lone or half of a pair
_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xbf]")  # U+D800-DFFF encoded, which json.loads lets through
_ONLY_QUOTES_AND_BRACKETS = bytes(byte for byte in range(256) if byte not in b'"[]{}')
_BRACKETS_AS_SQUARE = bytes.maketrans(b"{}", b"[]")


def storable_json(raw: bytes) -> bool:
    """Whether ``unstorable_text`` finds nothing anywhere in what ``json.loads(raw)`` gave, decided on
    the bytes at C speed; False when unsure. For a body that parsed as JSON only.

    The walk refuses three things. NUL: a raw NUL byte is refused by the parser inside a
    string and is no JSON outside one, so a NUL in a string comes from a ``\\u0000`` escape
    (raw NUL bytes also make ``json.loads`` read the body as UTF-16 or UTF-32, so with none,
    and no UTF-16/32 byte-order mark, the body is UTF-8). Lone surrogates: from a
    ``\\uD800``-``\\uDFFF`` escape, or from their UTF-8 form (ED A0-BF ..), which ``json.loads`` decodes
    with ``surrogatepass``. Nesting deeper than ``MAX_DEPTH``: a value at depth 33 of any
    object in the body lies inside 33 brackets of the body, so a body at most ``MAX_DEPTH``
    deep has none. Valid surrogate pairs (emoji) and an escaped backslash before ``u0000``
    are sent to the walk too: it only costs time.
    """
    if b"\x00" in raw or raw.startswith((b"\xfe\xff", b"\xff\xfe")) or _NUL_ESCAPE in raw:
        return False
    if _SURROGATE_ESCAPE.search(raw) or _SURROGATE_BYTES.search(raw):
        return False
    # The nesting: strings' contents left out. Every backslash in JSON is in a string and starts
    # an escape, so dropping the escaped backslashes and then the escaped quotes leaves quotes
    # that only open and close strings; dropping two adjacent ones drops an empty string or
    # nothing between two strings, and keeps the others paired.
    marks = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _ONLY_QUOTES_AND_BRACKETS).replace(b'""', b"")
    if b'"' in marks:  # strings holding brackets
        marks = b"".join(marks.split(b'"')[::2])
    marks = marks.translate(_BRACKETS_AS_SQUARE)
    for _ in range(MAX_DEPTH):  # each pass removes the innermost level
        if not marks:
            return True
        marks = marks.replace(b"[]", b"")
    return not marks


_known_storable: ContextVar[bool] = ContextVar("ecoreg_known_storable", default=False)


def known_storable_now() -> bool:
    """Whether what is being loaded is known to pass the walk (``known_storable``)."""
    return _known_storable.get()


@contextmanager
def known_storable(storable: bool) -> Iterator[None]:
    """While loading a body ``storable_json`` passed: the schemas' walk has nothing to find."""
    token = _known_storable.set(storable)
    try:
        yield
    finally:
        _known_storable.reset(token)


class InputSchema(ma.Schema):
    """Base for every request schema (bodies and query strings)."""

    @ma.pre_load
    def refuse_unstorable_text(self, data, **kwargs):
        if isinstance(data, Mapping) and not _known_storable.get():  # a JSON object, or webargs' view of a query string
            problems = unstorable_text(dict(data))
            if problems:
                raise ma.ValidationError(problems)
        return data

    # It only refuses, and only what known_storable rules out: fastload skips calling it then.
    refuse_unstorable_text.skipped_when_known_storable = True


# Bidirectional embeddings, overrides and isolates (Unicode TR 9): they reorder how
# text is shown, so a name could read differently from what it is ("Trojan Source").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _invisible(char: str) -> bool:
    # separators (Z*), controls (Cc), format characters such as U+200B ZERO WIDTH SPACE and U+FEFF (Cf)
    return char.isspace() or unicodedata.category(char) in {"Cc", "Cf", "Zs", "Zl", "Zp"}


def visible_text(value: str) -> None:
    """Validator for names and labels: at least one visible character, no bidi controls, no control characters.

    Raises ``marshmallow.ValidationError``. "​​" (zero-width spaces only), "  " and
    "\u3000" (an ideographic space) are blank.
    """
    if value.isprintable():
        # The common case, decided in C: printable text has no control, format (so no
        # bidi control), line or paragraph separator, and no space separator but
        # U+0020, which is the only invisible character it can hold.
        if not value.strip(" "):
            raise ma.ValidationError("must contain a visible character")
        return
    if all(_invisible(char) for char in value):
        raise ma.ValidationError("must contain a visible character")
    if any(char in BIDI_CONTROLS for char in value):
        raise ma.ValidationError("must not contain bidirectional override or isolate characters (U+202A-202E, U+2066-2069)")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ma.ValidationError("must not contain control characters")


class UTCDateTimeField(fields.AwareDateTime):
    """An ISO 8601 date-time with a time zone, loaded as an aware UTC datetime.

    ``9999-12-31T23:59:59-12:00`` is a valid ISO text whose UTC instant is past
    year 9999 (and ``0001-01-01T00:00:00+14:00`` one before year 1); such a
    value is a field error rather than an ``OverflowError`` later on.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ma.ValidationError("is outside the years 1 to 9999 once converted to UTC") from None


def date_range(earliest: date, latest: date):
    """Validator: a date from ``earliest`` to ``latest``, inclusive."""
    return ma.validate.Range(min=earliest, max=latest, error=f"must be from {earliest.isoformat()} to {latest.isoformat()}")


class JSONNumber(fields.Float):
    """A JSON number and nothing else: ``"8200"`` (a string) and ``true`` are refused, not converted.

    marshmallow's Float reads numeric strings; a reporter who sends text has a
    bug worth hearing about. Non-finite values never get here (``strictjson``).
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ma.ValidationError("must be a JSON number, not a string or boolean")
        return super()._deserialize(value, attr, data, **kwargs)
