"""Conditional requests, the one implementation every ecoreg service and the gateway use.

Source: RFC 9110 -- entity tags (8.8.3) and their comparison (8.8.3.2: strong
comparison for If-Match, weak comparison for If-None-Match), If-Match (13.1.1),
If-None-Match (13.1.2) and the order of evaluation (13.2.2). Date-based
preconditions are not used: every answer that can be asked conditionally has
an ETag.

Pure functions of header values (no Flask), so service layers may use them.
"""

from __future__ import annotations

import hashlib
import re

from ecoreg_common.errors import DomainError, PreconditionFailed

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE ; etagc = %x21 / %x23-7E / obs-text (RFC 9110, 8.8.3)
_TAG = re.compile(r'[ \t]*((?:W/)?"[\x21\x23-\x7e\x80-\xff]*")[ \t]*(?:,|$)')
# A recipient must parse and ignore empty list elements (RFC 9110, 5.6.1.2): ``, "a",, "b"``.
_EMPTY_ELEMENTS = re.compile(r"(?:[ \t]*,)*")
ANY = "*"


class BadConditionalHeader(DomainError):
    status = 400
    title = "Bad Request"
    type_slug = "bad-header"


def etag_for(data: bytes | str) -> str:
    """A strong entity tag for exactly these bytes: ``"<24 hex digits of SHA-256>"``."""
    raw = data.encode() if isinstance(data, str) else data
    return '"' + hashlib.sha256(raw).hexdigest()[:24] + '"'


def parse_tags(value: str | None, header: str = "If-None-Match") -> list[str] | None:
    """The entity tags of an If-Match / If-None-Match value: None when absent, ``["*"]`` for ``*``.

    Tags keep their ``W/`` prefix. Raises BadConditionalHeader (400) when the
    value is neither ``*`` nor a comma-separated list of entity tags (empty
    list elements are ignored, RFC 9110 5.6.1.2; a list of none is malformed).
    """
    if value is None:
        return None
    if value.strip() == ANY:
        return [ANY]
    tags, position = [], 0
    while position < len(value):
        position = _EMPTY_ELEMENTS.match(value, position).end()
        if position == len(value) and tags:
            break
        match = _TAG.match(value, position)
        if not match:
            raise BadConditionalHeader(f'{header} must be "*" or a list of entity tags such as "3" or W/"3".')
        tags.append(match.group(1))
        position = match.end()
    if not tags:
        raise BadConditionalHeader(f'{header} must be "*" or a list of entity tags such as "3" or W/"3".')
    return tags


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def weak_match(a: str, b: str) -> bool:
    """RFC 9110 8.8.3.2 weak comparison: the opaque tags are equal, either may be weak."""
    return _opaque(a) == _opaque(b)


def strong_match(a: str, b: str) -> bool:
    """RFC 9110 8.8.3.2 strong comparison: neither is weak and both are equal."""
    return not a.startswith("W/") and not b.startswith("W/") and a == b


def if_match_passes(if_match: list[str] | None, current: str | None) -> bool:
    """If-Match (13.1.1): true when absent, ``*`` and a current representation exists, or a tag matches strongly."""
    if if_match is None:
        return True
    if current is None:
        return False
    return ANY in if_match or any(strong_match(tag, current) for tag in if_match)


def if_none_match_passes(if_none_match: list[str] | None, current: str | None) -> bool:
    """If-None-Match (13.1.2): false when ``*`` and a representation exists, or a tag matches weakly."""
    if if_none_match is None or current is None:
        return True
    return not (ANY in if_none_match or any(weak_match(tag, current) for tag in if_none_match))


def evaluate(method: str, current: str | None, *, if_match: str | None, if_none_match: str | None) -> int | None:
    """RFC 9110 13.2.2 for a request on a representation tagged ``current`` (None: none exists).

    Returns 304 when a GET or HEAD should be answered Not Modified, else None
    (go on and answer). Raises PreconditionFailed (412) when If-Match fails, or
    when If-None-Match fails on a method other than GET and HEAD; raises
    BadConditionalHeader (400) for a malformed header.
    """
    if not if_match_passes(parse_tags(if_match, "If-Match"), current):
        raise PreconditionFailed(f"If-Match does not match the current ETag ({current or 'none'}).")
    if not if_none_match_passes(parse_tags(if_none_match, "If-None-Match"), current):
        if method in ("GET", "HEAD"):
            return 304
        raise PreconditionFailed(f"If-None-Match matches the current ETag ({current}).")
    return None
