"""Which scope a request needs. Reading is open; writing needs the right key."""

from __future__ import annotations

import re

from ecoreg_common.errors import Forbidden, Unauthorized
from gateway.auth.keys import Identity

READS = frozenset({"GET", "HEAD", "OPTIONS"})
_OBSERVATION = re.compile(r"^/api/v1/indicators/[^/]+/observations/[^/]+$")


def required_scope(method: str, path: str) -> str | None:
    """The scope a request needs, or None when anyone may make it."""
    if path.startswith("/api/v1/keys"):
        return "key" if method in READS or method == "DELETE" else "admin"
    if method in READS:
        return None
    if path.startswith("/api/v1/entities"):
        return "entities:write"
    if _OBSERVATION.match(path) and method == "PUT":
        return "indicators:write"
    return "admin"


def authorise(identity: Identity, method: str, path: str) -> None:
    """Raise 401 (no key where one is needed) or 403 (a key without the scope)."""
    scope = required_scope(method, path)
    if scope is None:
        return
    if identity.anonymous:
        raise Unauthorized(
            "This needs an API key: send it as 'Authorization: Bearer <key>'.", headers={"WWW-Authenticate": 'Bearer realm="ecoreg"'}
        )
    if scope != "key" and not identity.has(scope):
        raise Forbidden(f"This key lacks the scope {scope!r} this request needs.")
