"""How the gateway tells a service who is calling.

The gateway authenticates the API key and passes the partner it belongs to and
the key's scopes in these headers. Services trust them because only the gateway
can reach them (the internal token).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ecoreg_common.errors import BadHeader, Unauthorized

PARTNER_HEADER = "X-Ecoreg-Partner"
SCOPES_HEADER = "X-Ecoreg-Scopes"

PARTNER_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def parse_scopes(value: str | None) -> frozenset[str]:
    """Scopes are sent space- or comma-separated, as in OAuth's ``scope``."""
    if not value:
        return frozenset()
    return frozenset(part for part in re.split(r"[\s,]+", value.strip()) if part)


def partner_from(headers: Mapping[str, str]) -> str | None:
    """The calling partner the gateway vouches for, or None when the request is anonymous.

    Raises BadHeader (400) when the header is there but is no partner name: the same
    fault gets the same answer in every service.
    """
    partner = (headers.get(PARTNER_HEADER) or "").strip()
    if not partner:
        return None
    if not PARTNER_PATTERN.match(partner):
        raise BadHeader(f"{PARTNER_HEADER} must be a lowercase partner name (a-z, 0-9, '.', '_', '-'; up to 64).")
    return partner


def required_partner(headers: Mapping[str, str]) -> str:
    """The calling partner of a write; Unauthorized (401) when there is none, BadHeader (400) when malformed."""
    partner = partner_from(headers)
    if partner is None:
        raise Unauthorized(f"Writes need a partner identity. The gateway sets {PARTNER_HEADER} from your API key.")
    return partner
