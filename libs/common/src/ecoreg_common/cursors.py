"""Opaque pagination cursors: a small JSON position, base64url-encoded.

Clients must treat a cursor as opaque; decoding anything else raises
``ValidationFailed`` so a tampered or truncated cursor is a 422, not a 500.
"""

from __future__ import annotations

import base64
import binascii
import json

from ecoreg_common.errors import ValidationFailed


def encode(position: dict[str, int | str]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(cursor: str, *, keys: dict[str, type]) -> dict[str, int | str]:
    """The position in ``cursor``, which must hold exactly ``keys`` with those types."""
    invalid = ValidationFailed({"cursor": ["is not a cursor this API gave out; use next_cursor as given"]})
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid from None
    if not isinstance(position, dict) or set(position) != set(keys):
        raise invalid
    for key, kind in keys.items():
        value = position[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise invalid
    return position
