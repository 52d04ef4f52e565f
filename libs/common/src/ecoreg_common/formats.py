"""The formats every service writes the same way: keys and UTC instants.

A *key* names a vocabulary word, a cluster, a target or an indicator: lowercase
ASCII letters, digits and ``_``, starting with a letter or digit. An *instant*
is RFC 3339 in UTC with microseconds and ``Z`` (``2026-01-01T00:00:00.000000Z``),
the one form every answer uses, so clients can compare them as text.
"""

from __future__ import annotations

from datetime import UTC, datetime


def key_regex(length: int = 64) -> str:
    """A regular expression (no anchors) for a key of 1 to ``length`` characters."""
    return f"[a-z0-9][a-z0-9_]{{0,{length - 1}}}"


def key_pattern(length: int = 64) -> str:
    """``key_regex`` anchored, as OpenAPI's ``pattern`` and marshmallow's Regexp want it."""
    return f"^{key_regex(length)}$"


def instant_text(moment: datetime) -> str:
    """An aware datetime as RFC 3339 UTC text with microseconds and ``Z``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    """RFC 3339 text (``...Z`` or an offset; no offset is taken as UTC) as an aware UTC datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
