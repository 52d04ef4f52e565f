"""How the gateway tells a service who is calling.

The gateway authenticates the API key and passes the partner it belongs to and
the key's scopes in these headers. Services trust them because only the gateway
can reach them (the internal token).
"""

from __future__ import annotations

import re

PARTNER_HEADER = "X-Ecoreg-Partner"
SCOPES_HEADER = "X-Ecoreg-Scopes"

PARTNER_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def parse_scopes(value: str | None) -> frozenset[str]:
    """Scopes are sent space- or comma-separated, as in OAuth's ``scope``."""
    if not value:
        return frozenset()
    return frozenset(part for part in re.split(r"[\s,]+", value.strip()) if part)
